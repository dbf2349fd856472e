"""`ktape sim --port`: validated, the real bound port printed, a busy port refused before
the banner."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time

import click
import httpx
import pytest

from kalshi_tape.cli.main import main

KTAPE = [sys.executable, "-m", "kalshi_tape"]


@pytest.mark.parametrize("port", ["99999", "-1", "65536"])
def test_port_out_of_range_is_rejected(port: str) -> None:
    sim = main.get_command(click.Context(main), "sim")
    assert sim is not None
    with pytest.raises(click.BadParameter, match=r"0<=x<=65535"):
        sim.make_context("sim", ["--port", port])  # parsing only: nothing is started


def test_port_zero_prints_the_port_really_bound() -> None:
    proc = subprocess.Popen(
        [*KTAPE, "sim", "--port", "0", "--speed", "0", "--days", "2"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stderr is not None
        banner = ""
        deadline = time.monotonic() + 30
        while "REST http://" not in banner and time.monotonic() < deadline:
            banner += proc.stderr.readline()
        match = re.search(r"REST http://127\.0\.0\.1:(\d+)/trade-api/v2", banner)
        assert match, banner
        port = int(match.group(1))
        assert port != 0
        for _ in range(200):
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/trade-api/v2/exchange/status")
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert reply.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_port_in_use_fails_before_the_banner() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [*KTAPE, "sim", "--port", str(port), "--speed", "0", "--days", "2"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert "REST http://" not in result.stderr, result.stderr
    assert f"127.0.0.1:{port}" in result.stderr and "in use" in result.stderr
    assert "Traceback" not in result.stderr
