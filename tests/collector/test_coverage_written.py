"""The collector writes coverage records for the span its feed watched each market."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from kalshi_tape.api.coverage import covered_spans
from kalshi_tape.collector.daemon import Collector, running
from kalshi_tape.collector.watch import WatchLog, watched
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import open_store
from tests.collector.conftest import SERIES, SIM_NOW, collector_config

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
        async with running(collector):
            await asyncio.sleep(6)  # 12 minutes of exchange time at speed 120
        tickers = sorted(collector.tracker.tickers)
    spans = {t: covered_spans(store, "collector", t, 1) for t in tickers}
    assert all(len(s) == 1 for s in spans.values()), spans
    first, last = next(iter(spans.values()))[0]
    assert 8 * 60 <= last - first <= 13 * 60
    candles = store.sql(
        "SELECT min(epoch(end_period_ts)), max(epoch(end_period_ts)) FROM candles "
        "WHERE source = 'collector'"
    )
    assert candles[0][1] >= last - 60  # the candles reach the covered span's end
    store.close()
