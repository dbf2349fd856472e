"""The background import: settled events lacking candles are filled once, resumably."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from kalshi_tape.api.upstream import Upstream, coverage_key
from kalshi_tape.api.warm import warm_cache
from kalshi_tape.cli.main import main
from kalshi_tape.client import KalshiClient
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import Store, open_store
from tests.api.conftest import LIVE_EVENT, ServeFn, sim_clock, sim_requests

EVENTS = ("KXHIGHNY-26NOV16", "KXHIGHNY-26NOV17", "KXHIGHNY-26NOV18", LIVE_EVENT)


def _with_client(sim: SimServer, store: Store, body):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        settings = Settings(base_url=sim.base_url, tier="unlimited")
        async with KalshiClient(settings) as client:
            return await body(Upstream(client, store, sim_clock()))

    return asyncio.run(go())


def test_warm_fills_settled_events_once_and_resumes(
    sim: SimServer, store: Store, serve: ServeFn
) -> None:
    async def catalog_then_one(upstream: Upstream) -> None:
        for event in EVENTS:  # metadata only, as a collector or a discovery would leave it
            await upstream.event_targets(event)
        await upstream.fetch_event_candles(EVENTS[0], 60)  # "interrupted" after one event

    _with_client(sim, store, catalog_then_one)
    report = _with_client(sim, store, lambda u: warm_cache(u, periods=(60,)))
    assert report.candidates == 2 and report.fetched == 2 and not report.failed
    assert report.requests == 2  # one event-candlesticks request per event and period
    done = store.finished_tasks("api-candles:")
    assert done == {coverage_key(e, 60) for e in EVENTS[:3]}  # never the live event

    again = _with_client(sim, store, lambda u: warm_cache(u, periods=(60,)))
    assert again.candidates == 0 and again.requests == 0

    api = serve(sim.base_url)
    before = sim_requests(sim)["requests_total"]
    response = httpx.get(f"{api.url}/v1/events/{EVENTS[2]}/candles", params={"period": 60})
    assert response.status_code == 200 and response.json()["complete"] is True
    assert sim_requests(sim)["requests_total"] == before  # served from the warm cache


def test_cache_warm_cli(sim: SimServer, tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'warm.duckdb'}"
    with open_store(db) as store:
        _with_client(sim, store, lambda u: u.event_targets("KXHIGHCHI-26NOV16"))
    runner = CliRunner()
    args = ["cache", "warm", "--db", db, "--base-url", sim.base_url, "--period", "1440"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "1 event/period pairs lacked candles; fetched 1" in first.output
    second = runner.invoke(main, args)
    assert "0 event/period pairs lacked candles" in second.output


def test_serve_warm_runs_the_job_in_the_background(sim: SimServer, store: Store) -> None:
    from kalshi_tape.api import create_app
    from kalshi_tape.api.server import ApiServer
    from tests.api.conftest import api_settings

    _with_client(sim, store, lambda u: u.event_targets("KXHIGHMIA-26NOV17"))
    app = create_app(api_settings(sim.base_url), store=store, clock=sim_clock(), warm=True)
    wanted = {coverage_key("KXHIGHMIA-26NOV17", p) for p in (1, 60, 1440)}
    with ApiServer(app):
        deadline = time.monotonic() + 30
        while store.finished_tasks("api-candles:") != wanted:
            assert time.monotonic() < deadline, store.finished_tasks("api-candles:")
            time.sleep(0.1)


def test_event_moved_behind_the_cutoff_is_fetched_from_historical(store: Store) -> None:
    """The cutoff advanced after we looked: the event route 404s, /historical serves."""
    from tests.api.conftest import sim_config

    with SimServer(sim_config()) as fresh:

        async def catalog(upstream: Upstream) -> None:
            await upstream.event_targets("KXHIGHNY-26NOV17")  # live tier now: cutoff cached

        async def fetch(upstream: Upstream) -> object:
            await upstream.cutoff()  # the old cutoff, cached before the clock moves
            httpx.post(f"{fresh.admin_url}/clock", json={"advance_s": 10 * 86400})
            return await upstream.fetch_event_candles("KXHIGHNY-26NOV17", 60)

        _with_client(fresh, store, catalog)
        result = _with_client(fresh, store, fetch)
        routes = sim_requests(fresh)["requests_by_route"]
    assert result.final and result.rows > 100  # type: ignore[attr-defined]
    assert routes.get("/trade-api/v2/historical/markets/{ticker}/candlesticks", 0) == 6
