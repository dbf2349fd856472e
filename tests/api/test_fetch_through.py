"""Fetch-through against the simulator: Kalshi's candles for markets never stored, once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx

from kalshi_tape.api import create_app
from kalshi_tape.api.render import as_text_columns
from kalshi_tape.api.server import ApiServer
from kalshi_tape.client import SyncKalshiClient
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import CandleRecord, Store
from kalshi_tape.storage.arrowconv import candles_table
from tests.api.conftest import (
    OTHER_EVENT,
    SETTLED_EVENT,
    ServeFn,
    api_settings,
    sim_clock,
    sim_requests,
)

EVENT_CANDLES_ROUTE = "/trade-api/v2/series/{series_ticker}/events/{event_ticker}/candlesticks"


def sim_candles(sim: SimServer, ticker: str, period: int, start: int, end: int) -> list[dict]:
    """The simulator's own candles of one market, shaped like the API's JSON rows."""
    with SyncKalshiClient(Settings(base_url=sim.base_url, tier="unlimited")) as client:
        got = client.get_market_candlesticks(
            ticker.split("-")[0], ticker, start_ts=start, end_ts=end, period_interval=period
        )
    records = [CandleRecord(ticker, period, "kalshi", c) for c in got.candlesticks]
    table = as_text_columns(candles_table(records))
    return table.drop_columns(["market_ticker", "period_minutes", "source"]).to_pylist()


def event_markets(sim: SimServer, event: str) -> list[str]:
    body = httpx.get(f"{sim.base_url}/events/{event}").json()
    return sorted(m["ticker"] for m in body["markets"])


def test_never_stored_market_equals_the_simulators_candles(sim: SimServer, serve: ServeFn) -> None:
    api = serve(sim.base_url)
    ticker = event_markets(sim, SETTLED_EVENT)[2]
    for period in (60, 1):
        response = httpx.get(f"{api.url}/v1/candles/{ticker}", params={"period": period})
        assert response.status_code == 200, response.text
        assert response.headers["X-Candle-Source"] == "kalshi"
        body = response.json()
        assert body["source"] == "kalshi" and body["complete"] is True and not body["stale"]
        rows = body["candles"]
        assert len(rows) > 20
        start = _ts(rows[0]["end_period_ts"]) - period * 60 + 1
        end = _ts(rows[-1]["end_period_ts"])
        assert rows == sim_candles(sim, ticker, period, start, end)


def test_second_request_sends_nothing_upstream(sim: SimServer, serve: ServeFn) -> None:
    api = serve(sim.base_url)
    ticker, other = event_markets(sim, SETTLED_EVENT)[:2]
    first = httpx.get(f"{api.url}/v1/candles/{ticker}", params={"period": 60})
    assert first.status_code == 200
    before = sim_requests(sim)["requests_total"]
    for fmt in ("json", "csv", "parquet"):
        again = httpx.get(f"{api.url}/v1/candles/{ticker}", params={"period": 60, "format": fmt})
        assert again.status_code == 200 and again.headers["X-Candle-Source"] == "kalshi"
    # another market of the same event: fetched with the first
    assert httpx.get(f"{api.url}/v1/candles/{other}", params={"period": 60}).status_code == 200
    assert sim_requests(sim)["requests_total"] == before


def test_hundred_concurrent_misses_send_one_request(sim: SimServer, serve: ServeFn) -> None:
    api = serve(sim.base_url)
    stats = sim_requests(sim)
    before, total_before = (
        stats["requests_by_route"].get(EVENT_CANDLES_ROUTE, 0),
        stats["requests_total"],
    )

    async def hammer() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(base_url=api.url, limits=limits, timeout=30) as client:
            url = f"/v1/events/{OTHER_EVENT}/candles"
            return await asyncio.gather(
                *(client.get(url, params={"period": 60}) for _ in range(100))
            )

    responses = asyncio.run(hammer())
    assert {r.status_code for r in responses} == {200}
    bodies = {r.content for r in responses}
    assert len(bodies) == 1
    body = json.loads(bodies.pop())
    assert body["source"] == "kalshi" and len(body["candles"]) > 100
    stats = sim_requests(sim)
    assert stats["requests_by_route"].get(EVENT_CANDLES_ROUTE, 0) - before == 1
    # and one discovery of the event (cutoff, series check of the budget guard, series,
    # event), not a hundred
    assert stats["requests_total"] - total_before <= 5
    assert api.app.state.services.candles.flights.started == 2  # the series check, the fetch


def test_unknown_market_is_404_and_remembered(sim: SimServer, serve: ServeFn) -> None:
    api = serve(sim.base_url)
    first = httpx.get(f"{api.url}/v1/candles/KXHIGHNY-26NOV17-B999.5")
    assert first.status_code == 404
    assert first.json()["code"] == "unknown_market"
    before = sim_requests(sim)["requests_total"]
    again = httpx.get(f"{api.url}/v1/candles/KXHIGHNY-26NOV17-B999.5")
    assert again.status_code == 404
    assert sim_requests(sim)["requests_total"] == before  # the negative cache answered


def test_random_tickers_under_an_unknown_series_cost_one_lookup(
    sim: SimServer, serve: ServeFn
) -> None:
    """The series is remembered: after the first miss, other tickers under it send nothing."""
    api = serve(sim.base_url)
    assert httpx.get(f"{api.url}/v1/candles/KXNOPE-26NOV17-B1").status_code == 404
    before = sim_requests(sim)["requests_total"]
    for n in range(2, 12):
        answer = httpx.get(f"{api.url}/v1/candles/KXNOPE-2{n % 10}DEC0{n % 9 + 1}-B{n}")
        assert answer.status_code == 404, answer.text
    assert sim_requests(sim)["requests_total"] == before


def _ts(text: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def test_market_behind_the_historical_cutoff(sim: SimServer, serve: ServeFn) -> None:
    """Settled before the cutoff: no event candlesticks; each market's /historical ones."""
    api = serve(sim.base_url)
    listed = httpx.get(
        f"{sim.base_url}/historical/markets", params={"event_ticker": "KXHIGHNY-26NOV05"}
    ).json()
    ticker = listed["markets"][0]["ticker"]
    response = httpx.get(f"{api.url}/v1/candles/{ticker}", params={"period": 60})
    assert response.status_code == 200 and response.json()["complete"] is True
    rows = response.json()["candles"]
    start, end = _ts(rows[0]["end_period_ts"]) - 3599, _ts(rows[-1]["end_period_ts"])
    with SyncKalshiClient(Settings(base_url=sim.base_url, tier="unlimited")) as client:
        truth = client.get_historical_market_candlesticks(
            ticker, start_ts=start, end_ts=end, period_interval=60
        )
    assert [_ts(r["end_period_ts"]) for r in rows] == [c.end_period_ts for c in truth.candlesticks]
    assert [r["volume"] for r in rows] == [str(c.volume) for c in truth.candlesticks]


class _OtherWorkerStoresAfterFirstRead:
    """The warehouse as a second worker sees it: right after its first candle read,
    another worker fetches the same event through and stores it (a real race, forced)."""

    def __init__(self, store: Store, other_worker: Callable[[], None]) -> None:
        self._store = store
        self._other_worker: Callable[[], None] | None = other_worker

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def candles(self, **query: Any) -> Any:
        rows = self._store.candles(**query)
        if self._other_worker is not None:
            run, self._other_worker = self._other_worker, None
            run()
        return rows


def test_a_read_that_predates_another_workers_fetch_is_read_again(
    sim: SimServer, store: Store, serve: ServeFn
) -> None:
    """Two workers over one warehouse: the second read the (empty) market, then the first
    stored the whole event and marked it complete. The second must not answer its stale
    empty read as complete (it once served `complete: true` with no candles)."""
    first = serve(sim.base_url)
    ticker = event_markets(sim, SETTLED_EVENT)[3]
    expected = httpx.get(f"{first.url}/v1/candles/{ticker}", params={"period": 60})

    def first_worker_fetches() -> None:
        other = event_markets(sim, SETTLED_EVENT)[4]
        assert httpx.get(f"{first.url}/v1/candles/{other}", params={"period": 1}).is_success

    racing = _OtherWorkerStoresAfterFirstRead(store, first_worker_fetches)
    app = create_app(api_settings(sim.base_url), store=racing, clock=sim_clock())
    with ApiServer(app) as second:
        got = httpx.get(f"{second.url}/v1/candles/{ticker}", params={"period": 1})
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["complete"] is True and len(body["candles"]) > 100, body["source"]
    assert expected.json()["complete"] is True
