"""`ktape watch --json` against a frozen simulator prints exactly the true books."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from click.testing import CliRunner

from kalshi_tape.cli.main import main
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer


@pytest.fixture(scope="module")
def frozen_sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=9, speed=0)) as sim:
        yield sim


def test_watch_json_prints_the_true_books(frozen_sim: SimServer) -> None:
    markets = httpx.get(f"{frozen_sim.base_url}/markets", params={"status": "open"}).json()
    tickers = [m["ticker"] for m in markets["markets"][:3]]
    args = ["watch", *tickers, "--seconds", "0.5", "--json", "--base-url", frozen_sim.base_url]
    result = CliRunner().invoke(main, args, env={"KALSHI_API_KEY_ID": ""})
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert list(printed) == tickers
    for ticker in tickers:
        truth = httpx.get(f"{frozen_sim.admin_url}/book/{ticker}").json()
        assert printed[ticker] == truth
        prices = [level[0] for level in printed[ticker]["yes"]]
        assert prices == sorted(prices)


def test_watch_reports_a_refused_handshake_cleanly(frozen_sim: SimServer) -> None:
    markets = httpx.get(f"{frozen_sim.base_url}/markets", params={"status": "open"}).json()
    ticker = markets["markets"][0]["ticker"]
    args = ["watch", ticker, "--seconds", "1", "--base-url", frozen_sim.base_url]
    result = CliRunner().invoke(main, [*args, "--ws-url", "ws://127.0.0.1:9/trade-api/ws/v2"])
    assert result.exit_code == 1
    assert f"not in sync at exit: {ticker}" in result.stderr


def test_watch_a_whole_series_by_name(frozen_sim: SimServer) -> None:
    listed = httpx.get(
        f"{frozen_sim.base_url}/markets", params={"status": "open", "series_ticker": "KXHIGHMIA"}
    ).json()["markets"]
    expected = [m["ticker"] for m in listed]
    assert expected, "the frozen sim has open KXHIGHMIA markets"
    args = ["watch", "--series", "kxhighmia", "--seconds", "0.5", "--json"]
    result = CliRunner().invoke(main, [*args, "--base-url", frozen_sim.base_url])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert list(printed) == expected
    for ticker in expected:
        assert printed[ticker] == httpx.get(f"{frozen_sim.admin_url}/book/{ticker}").json()


def test_watch_needs_tickers_or_a_series() -> None:
    result = CliRunner().invoke(main, ["watch"])
    assert result.exit_code == 2
    assert "give market tickers, or --series" in result.output
