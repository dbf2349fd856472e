"""A throwaway PostgreSQL cluster of the test's own (initdb, pg_ctl), so a test can restart
PostgreSQL for real without touching the shared server on 5432.

```python
with PgCluster.create() as cluster:    # initdb + start on a free port
    url = cluster.url                  # postgresql://postgres@127.0.0.1:PORT/postgres
    cluster.restart(down_s=4)          # an immediate (crash) stop, down 4 s, start again
```

The data directory is a fresh temporary folder, removed at exit. PostgreSQL refuses to
run as root, so under root the binaries run as the `postgres` user (`runuser`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from kalshi_tape.core.serving import free_port

SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


def available() -> str | None:
    """Why no cluster can be made here (None when one can)."""
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        return "initdb/pg_ctl not on PATH"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser"
    return None


class PgCluster:
    def __init__(self, data: Path, port: int) -> None:
        self.data = data
        self.port = port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    @classmethod
    def create(cls) -> PgCluster:
        root = Path(tempfile.mkdtemp(prefix="ktape-pgcluster-"))
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        cluster = cls(root / "data", free_port())
        cluster._run("initdb", "-D", str(cluster.data), "-U", "postgres", "-A", "trust")
        cluster.start()
        return cluster

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 {SETTINGS}"
        log = str(self.data.parent / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self, mode: str = "immediate") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, down_s: float) -> float:
        """Crash-stop the server (`-m immediate`: no clean shutdown), keep it down `down_s`,
        start it again; returns the seconds it was unreachable."""
        t0 = time.monotonic()
        self.stop("immediate")
        time.sleep(down_s)
        self.start()
        return time.monotonic() - t0

    def __enter__(self) -> PgCluster:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already down
            self.stop("immediate")
        shutil.rmtree(self.data.parent, ignore_errors=True)
