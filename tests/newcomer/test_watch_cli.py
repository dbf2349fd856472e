"""`ktape watch` as a new user meets it: an unknown ticker fails at once, a pipe gets plain
status lines, `--seconds` must be positive, an unreachable exchange is named."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from kalshi_tape.cli.main import main
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer

KTAPE = [sys.executable, "-m", "kalshi_tape"]
UNREACHABLE = "http://127.0.0.1:9/trade-api/v2"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=5, speed=0)) as server:
        yield server


def _stats(sim: SimServer) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(f"{sim.admin_url}/stats").json()
    return stats


def test_unknown_ticker_reports_the_404_at_once(sim: SimServer) -> None:
    """At once: one look-up answered 404, no retry of it and no stream opened (counted at
    the simulator; the timeout is only a deadline for a hang)."""
    before = _stats(sim)
    try:
        result = subprocess.run(
            [*KTAPE, "watch", "KXHIGHNY-99XXX99-B1", "--base-url", sim.base_url],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("watch of an unknown ticker waited instead of failing")
    assert result.returncode != 0
    assert "KXHIGHNY-99XXX99-B1" in result.stderr and "404" in result.stderr
    assert "Traceback" not in result.stderr
    after = _stats(sim)
    asked = after["requests_total"] - before["requests_total"]
    not_found = after["responses_by_status"].get("404", 0)
    not_found -= before["responses_by_status"].get("404", 0)
    assert (asked, not_found) == (1, 1), after
    assert after["ws"] == before["ws"], "no stream was opened"


def test_without_a_tty_watch_prints_plain_status_lines(sim: SimServer) -> None:
    markets = httpx.get(f"{sim.base_url}/markets", params={"status": "open"}).json()["markets"]
    ticker = markets[0]["ticker"]
    args = ["watch", ticker, "--seconds", "1.2", "--status-every", "0.3"]
    result = CliRunner().invoke(main, [*args, "--base-url", sim.base_url])
    assert result.exit_code == 0, result.output
    status = [line for line in result.stdout.splitlines() if line.startswith("watch:")]
    assert len(status) >= 2, result.stdout
    assert "1/1 books live" in status[-1]
    assert ticker in result.stdout
    assert "\x1b[" not in result.stdout  # plain text, no terminal escapes


@pytest.mark.parametrize("seconds", ["0", "-3"])
def test_seconds_must_be_positive(seconds: str) -> None:
    result = CliRunner().invoke(main, ["watch", "X", "--seconds", seconds])
    assert result.exit_code == 2
    assert "--seconds" in result.output


def test_unreachable_exchange_is_named_like_the_backfill_does() -> None:
    result = CliRunner().invoke(main, ["watch", "X", "--seconds", "1", "--base-url", UNREACHABLE])
    assert result.exit_code == 1
    assert f"cannot reach the exchange at {UNREACHABLE}" in result.stderr
    assert "Traceback" not in result.stderr
