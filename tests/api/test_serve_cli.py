"""`ktape serve` as a process: starts, answers, refuses bad worker set-ups clearly."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from kalshi_tape.api.server import free_port
from kalshi_tape.cli.main import main


def test_ktape_serve_process(tmp_path: Path) -> None:
    port = free_port()
    db = f"duckdb:///{tmp_path / 'serve.duckdb'}"
    cmd = [sys.executable, "-m", "kalshi_tape", "serve", "--db", db, "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz")
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert health.json()["schema_version"] >= 4
        page = httpx.get(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200 and "/static/plotly.min.js" in page.text
        plotly = httpx.get(f"http://127.0.0.1:{port}/static/plotly.min.js")
        assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
        assert httpx.get(f"http://127.0.0.1:{port}/static/nope.js").status_code == 404
    finally:
        proc.terminate()
        proc.wait(10)


def test_several_workers_need_a_shareable_database(tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'w.duckdb'}"
    result = CliRunner().invoke(main, ["serve", "--db", db, "--workers", "2"])
    assert result.exit_code != 0
    assert "several workers cannot share a writable DuckDB file" in result.output
