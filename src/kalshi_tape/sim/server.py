"""`SimServer`: the simulator on a free loopback port in a background thread (tests, demos)."""

from __future__ import annotations

import errno
import socket
import threading
import time
from types import TracebackType

import uvicorn

from kalshi_tape.errors import ConfigError
from kalshi_tape.sim.app import create_app
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.exchange import Exchange
from kalshi_tape.sim.state import SimState

WS_PING_INTERVAL_S = 10.0


def uvicorn_config(app: object, host: str, port: int, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        ws_ping_interval=WS_PING_INTERVAL_S,
        ws_ping_timeout=30.0,
        ws_max_size=1 << 20,
        lifespan="on",
    )


class SimServer:
    """Runs the simulator app with uvicorn on 127.0.0.1.

    with SimServer(SimConfig(seed=7)) as sim:
        httpx.get(f"{sim.base_url}/markets")
    """

    def __init__(self, config: SimConfig | None = None, host: str = "127.0.0.1", port: int = 0):
        self.config = config or SimConfig()
        self.host = host
        self.port = port or _free_port(host)
        self.state = SimState(self.config)
        self.app = create_app(self.config, self.state)
        self._server = uvicorn.Server(uvicorn_config(self.app, host, self.port))
        self._thread: threading.Thread | None = None

    @property
    def exchange(self) -> Exchange:
        return self.state.exchange

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/trade-api/v2"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/trade-api/ws/v2"

    @property
    def admin_url(self) -> str:
        return f"{self.root_url}/_sim"

    def start(self) -> SimServer:
        sock = bind_socket(self.host, self.port)  # a busy port fails here, clearly
        self._thread = threading.Thread(
            target=self._server.run, args=([sock],), name="ktape-sim", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10.0
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ConfigError("sim", f"simulator failed to start on {self.host}:{self.port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10.0)
            self._thread = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket on host:port (port 0: the OS picks a free one).

    Binding before the server starts lets callers print the real port and fail early,
    with a clear ConfigError, when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = "port already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise ConfigError("port", f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
