"""No credential in any log: the collector, the API, backfill and paper run at DEBUG as
subprocesses against the simulator with a known key id; their real stderr must hold
neither the key id nor any signature, while the handshake/request logging that used to
leak them is still there (masked), so the test would catch a leak."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kalshi_tape.core.serving import free_port
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer

KEY_ID = "redaction-probe-key-5b1e9c"
KTAPE = [sys.executable, "-m", "kalshi_tape"]
# a base64 run as long as an Ed25519 (88 chars) or RSA (344 chars) signature
SIGNATURE_LIKE = re.compile(r"[A-Za-z0-9+/]{80,}={0,2}")
_KEY = ed25519.Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def signed_sim() -> Iterator[SimServer]:
    public = _KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with SimServer(SimConfig(seed=21, speed=600, trusted_keys={KEY_ID: public.decode()})) as sim:
        yield sim


@pytest.fixture
def env(signed_sim: SimServer, tmp_path: Path) -> dict[str, str]:
    pem = tmp_path / "kalshi.pem"
    pem.write_bytes(
        _KEY.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return {
        **os.environ,
        "KALSHI_API_KEY_ID": KEY_ID,
        "KALSHI_PRIVATE_KEY_PATH": str(pem),
        "KALSHI_BASE_URL": signed_sim.base_url,
        "KALSHI_TIER": "unlimited",
        "KTAPE_LOG_LEVEL": "DEBUG",
        "KTAPE_DB": f"duckdb:///{tmp_path / 'w.duckdb'}",
    }


def assert_clean(log: str, must_show: str) -> None:
    assert KEY_ID not in log
    leaked = SIGNATURE_LIKE.findall(log)
    assert not leaked, f"signature-like strings in the log: {leaked[:3]}"
    assert must_show in log, f"expected {must_show!r} in the debug log:\n{log[-3000:]}"


def run_for(args: list[str], env: dict[str, str], seconds: float) -> str:
    """Run a long-running command, stop it with SIGTERM after `seconds`; its stderr."""
    proc = subprocess.Popen(
        [*KTAPE, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(seconds)
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return out + err


def test_collect_at_debug_logs_no_credential(env: dict[str, str], tmp_path: Path) -> None:
    log = run_for(
        [
            "collect",
            "--series",
            "KXHIGHNY",
            "--spool-dir",
            str(tmp_path / "spool"),
            "--log-level",
            "DEBUG",
        ],
        env,
        8,
    )
    assert "websockets" in log  # the library's handshake logging ran
    assert_clean(log, "KALSHI-ACCESS-SIGNATURE: ***")


def test_backfill_at_debug_logs_no_credential(env: dict[str, str]) -> None:
    done = subprocess.run(
        [
            *KTAPE,
            "backfill",
            "--series",
            "KXHIGHNY",
            "--start",
            "2026-11-10",
            "--end",
            "2026-11-11",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert_clean(done.stdout + done.stderr, "httpx")


def test_paper_at_debug_logs_no_credential(env: dict[str, str]) -> None:
    log = run_for(
        ["paper", "--strategy", "fair_value", "--series", "KXHIGHNY", "--seconds", "4"],
        env,
        12,
    )
    assert_clean(log, "httpx")


def test_serve_at_debug_logs_no_credential(env: dict[str, str], signed_sim: SimServer) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [*KTAPE, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_up(base + "/healthz")
        market = httpx.get(signed_sim.base_url + "/markets?limit=1").json()["markets"][0]
        answer = httpx.get(f"{base}/v1/candles/{market['ticker']}?period=60", timeout=30)
        assert answer.status_code == 200, answer.text  # fetched through, signed
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert_clean(out + err, "httpx")


def _wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered")
