"""`complete` is earned: own candles count only where coverage records account for them."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi.testclient import TestClient

from kalshi_tape.api import create_app
from kalshi_tape.api.coverage import coverage_record, covered_spans
from kalshi_tape.client import SyncKalshiClient
from kalshi_tape.core.domain import Candlestick
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import CandleRecord, SequenceGapRow, Store
from tests.api.conftest import SETTLED_EVENT, ServeFn, api_settings, sim_clock, sim_config

TICKER = "KXHIGHNY-26NOV17-B57.5"


def kalshi_candles(sim: SimServer) -> list[Candlestick]:
    with SyncKalshiClient(Settings(base_url=sim.base_url, tier="unlimited")) as client:
        event = client.get_event(SETTLED_EVENT)
        market = next(m for m in event.markets if m.ticker == TICKER)
        assert market.open_time and market.close_time
        got = client.get_market_candlesticks(
            "KXHIGHNY",
            TICKER,
            start_ts=int(market.open_time.timestamp()),
            end_ts=int(market.close_time.timestamp()),
            period_interval=1,
        )
    return list(got.candlesticks)


def _end(candle: Candlestick) -> int:
    return int(candle.end_period_ts)


def hold_own(sim: SimServer, store: Store, picked: list[Candlestick]) -> None:
    """The market's metadata, and a few collector candles with their coverage record."""
    with SyncKalshiClient(Settings(base_url=sim.base_url, tier="unlimited")) as client:
        store.commit_chunk(markets=client.get_event(SETTLED_EVENT).markets)
    store.commit_chunk(
        candles=[CandleRecord(TICKER, 1, "collector", c) for c in picked],
        progress=coverage_record("collector", TICKER, 1, _end(picked[0]), _end(picked[-1])),
    )


@pytest.fixture()
def all_kalshi(sim: SimServer) -> list[Candlestick]:
    candles = kalshi_candles(sim)
    assert len(candles) > 100
    return candles


def consecutive(candles: list[Candlestick], n: int) -> list[Candlestick]:
    for i in range(len(candles) - n):
        window = candles[i : i + n]
        if _end(window[-1]) - _end(window[0]) == 60 * (n - 1):
            return window
    raise AssertionError("no consecutive candles")


def test_partial_own_candles_are_merged_with_kalshis(
    sim: SimServer, store: Store, serve: ServeFn, all_kalshi: list[Candlestick]
) -> None:
    hold_own(sim, store, consecutive(all_kalshi, 3))
    api = serve(sim.base_url)
    body = httpx.get(f"{api.url}/v1/candles/{TICKER}", timeout=30).json()
    assert body["complete"] is True and body["reason"] is None
    assert len(body["candles"]) == len(all_kalshi)  # the whole range, not our 3
    names = [r["source"] for r in body["sources"]]
    assert names == ["kalshi", "collector", "kalshi"] and body["source"] == "collector+kalshi"
    ends = [c["end_period_ts"] for c in body["candles"]]
    assert ends == sorted(ends) and len(set(ends)) == len(ends)

    csv = httpx.get(f"{api.url}/v1/candles/{TICKER}", params={"format": "csv"}, timeout=30)
    assert "collector=" in csv.headers["X-Candle-Sources"]
    assert csv.headers["X-Candle-Complete"] == "true"


def test_own_only_on_partial_data_is_not_complete(
    sim: SimServer, store: Store, serve: ServeFn, all_kalshi: list[Candlestick]
) -> None:
    hold_own(sim, store, consecutive(all_kalshi, 3))
    api = serve(sim.base_url)
    body = httpx.get(f"{api.url}/v1/candles/{TICKER}", params={"source": "own"}).json()
    assert len(body["candles"]) == 3 and body["source"] == "collector"
    assert body["complete"] is False and body["reason"].startswith("partial:")


def test_kalshi_unreachable_gives_what_we_have_not_complete(
    store: Store, all_kalshi: list[Candlestick]
) -> None:
    down = SimServer(sim_config()).start()
    try:
        hold_own(down, store, consecutive(all_kalshi, 3))
    finally:
        down.stop()
    app = create_app(
        api_settings(down.base_url, upstream_timeout_s=5.0), store=store, clock=sim_clock()
    )
    body = TestClient(app).get(f"/v1/candles/{TICKER}").json()
    assert len(body["candles"]) == 3
    assert body["complete"] is False and body["stale"] is True
    assert body["reason"].startswith("partial:")


def test_covered_range_is_complete_from_own_candles_alone(
    sim: SimServer, store: Store, all_kalshi: list[Candlestick]
) -> None:
    picked = consecutive(all_kalshi, 3)
    hold_own(sim, store, picked)
    app = create_app(
        api_settings(sim.base_url, fetch_through=False), store=store, clock=sim_clock()
    )
    window = {"start": _iso(picked[0]), "end": _iso(picked[-1])}
    body = TestClient(app).get(f"/v1/candles/{TICKER}", params=window).json()
    assert body["complete"] is True and body["source"] == "collector"
    assert [r["source"] for r in body["sources"]] == ["collector"]
    wider = {"start": _iso(picked[0]), "end": "2026-11-18T00:00:00Z"}
    partial = TestClient(app).get(f"/v1/candles/{TICKER}", params=wider).json()
    assert partial["complete"] is False and partial["stale"] is False


def test_a_sequence_gap_removes_its_period_from_coverage(
    sim: SimServer, store: Store, all_kalshi: list[Candlestick]
) -> None:
    picked = consecutive(all_kalshi, 3)
    hold_own(sim, store, picked)
    first, last = _end(picked[0]), _end(picked[-1])
    assert covered_spans(store, "collector", TICKER, 1) == [(first, last)]
    store.commit_chunk(sequence_gaps=[SequenceGapRow((first + 30) * 10**9, "gap", 1)])
    # 30 s after `first` lies in the period ending at first + 60: that one is lost
    assert covered_spans(store, "collector", TICKER, 1) == [(first, first), (last, last)]


def test_coverage_records_must_lie_on_period_ends() -> None:
    with pytest.raises(ValueError, match="minute ends"):
        coverage_record("collector", TICKER, 1, 30, 90)


def _iso(candle: Candlestick) -> str:
    return datetime.fromtimestamp(_end(candle), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
