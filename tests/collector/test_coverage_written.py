"""The collector writes coverage records for the span its feed watched each market."""

from __future__ import annotations

import random
from pathlib import Path

from kalshi_tape.api.coverage import covered_spans
from kalshi_tape.collector.daemon import Collector, running
from kalshi_tape.collector.watch import WatchLog, watched
from kalshi_tape.core.clock import ManualClock
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import Store, open_store
from tests.collector.conftest import SERIES, SIM_NOW, collector_config, wait_for

MIN_NS = 60 * 1_000_000_000


def test_only_whole_minutes_inside_the_watch_are_covered() -> None:
    base = int(SIM_NOW.timestamp()) * 1_000_000_000
    record = watched("M", base + 1, base + 3 * MIN_NS + 5)
    assert record is not None and record.task_key.endswith(
        f"/1/{base // 10**9 + 120}-{base // 10**9 + 180}"
    )
    assert watched("M", base + 1, base + MIN_NS + 5) is None  # no whole minute in view


def test_a_market_never_stamped_has_no_coverage() -> None:
    log = WatchLog()
    log.start({"M"})
    assert log.stop_all(10 * MIN_NS) == []


async def test_short_collector_run_writes_coverage(tmp_path: Path) -> None:
    config = SimConfig(seed=21, now=SIM_NOW, speed=120, series=SERIES)
    with SimServer(config) as sim:
        store = open_store(f"duckdb:///{tmp_path / 'w.duckdb'}")
        collector = Collector(
            collector_config(sim, tmp_path / "spool"), store, rng=random.Random(5)
        )
        started_s = _market_s(sim)
        async with running(collector):
            assert await wait_for(lambda: collector.tracker.tickers, 60)
            # six minutes of exchange time from the first exchange stamp (3 s at 120x): on a
            # loaded machine the first delta may come minutes of market time after tracking
            assert await wait_for(lambda: collector.watch.watching(), 60)
            tracked_s = _market_s(sim)
            assert await wait_for(lambda: _market_s(sim) >= tracked_s + 6 * 60, 60)
        stopped_s = _market_s(sim)
        tickers = sorted(collector.tracker.tickers)
    spans = {t: covered_spans(store, "collector", t, 1) for t in tickers}
    assert all(len(s) == 1 for s in spans.values()), spans
    first, last = next(iter(spans.values()))[0]
    assert 3 * 60 <= last - first <= stopped_s - started_s  # never more than the run
    candles = store.sql(
        "SELECT min(epoch(end_period_ts)), max(epoch(end_period_ts)) FROM candles "
        "WHERE source = 'collector'"
    )
    assert candles[0][1] >= last - 60  # the candles reach the covered span's end
    _own_is_complete_exactly_for(store, tickers[0], first, last)
    store.close()


def _market_s(sim: SimServer) -> int:
    return sim.exchange.clock.now_ns() // 1_000_000_000


def _own_is_complete_exactly_for(store: Store, ticker: str, first: int, last: int) -> None:
    """`source=own` through the API: complete for the covered span, not one minute more."""
    import httpx

    from kalshi_tape.api import create_app
    from kalshi_tape.api.server import ApiServer
    from tests.api.conftest import api_settings

    clock = ManualClock((last + 3600) * 1_000_000_000)
    app = create_app(
        api_settings("http://127.0.0.1:9", fetch_through=False), store=store, clock=clock
    )
    with ApiServer(app) as api:

        def complete(start: int, end: int) -> bool:
            params: dict[str, str | int] = {
                "period": 1,
                "source": "own",
                "start": f"{start}s",  # epoch only with a unit (the one time parser)
                "end": f"{end}s",
            }
            response = httpx.get(f"{api.url}/v1/candles/{ticker}", params=params)
            assert response.status_code == 200, response.text
            return bool(response.json()["complete"])

        assert complete(first, last)
        assert not complete(first - 60, last)
        assert not complete(first, last + 60)
