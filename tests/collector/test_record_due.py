"""The writer's age bound through the daemon itself: `Collector._record` (the hot loop's
step per frame) reports the buffer due once its oldest row is `flush_interval_seconds`
old, and `_stream` then commits, so a row never waits for the periodic ticker."""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal
from pathlib import Path

from kalshi_tape.client import BookFeed
from kalshi_tape.collector import Collector
from kalshi_tape.collector.daemon import running
from kalshi_tape.core.clock import ManualClock
from kalshi_tape.core.domain import OrderbookDelta
from kalshi_tape.settings.collector import CollectorConfig
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import open_store
from tests.collector.conftest import SIM_NOW, collector_config, wait_for

AGE_S = 0.2
TICKER = "KXHIGHNY-26NOV22-T50"


def delta(seq: int, clock: ManualClock) -> OrderbookDelta:
    return OrderbookDelta(
        sid=1,
        seq=seq,
        market_ticker=TICKER,
        price=Decimal("0.42"),
        delta=Decimal(5),
        side="yes",
        received_ns=clock.now_ns(),
    )


def test_record_is_due_when_the_oldest_row_reaches_the_age(tmp_path: Path) -> None:
    clock = ManualClock(1_700_000_000_000_000_000)
    settings = Settings(base_url="http://127.0.0.1:9/trade-api/v2", tier="unlimited")
    config = CollectorConfig(
        settings=settings,
        series=("KXHIGHNY",),
        spool_dir=tmp_path / "spool",
        flush_interval_seconds=AGE_S,
        flush_max_rows=1_000,
    )
    collector = Collector(config, None, clock)
    collector.feed = BookFeed(config.settings, [TICKER], clock=clock)  # never connected
    assert not collector._record([delta(1, clock)])
    clock.advance(AGE_S - 0.001)
    assert not collector._record([delta(2, clock)])  # the oldest row is just younger
    clock.advance(0.001)
    assert collector._record([delta(3, clock)])  # the oldest row is AGE_S old: commit now
    assert len(collector.writer.rows.orderbook_deltas) == 3


class NoTickerFlush(Collector):
    """The daemon with its periodic ticker idle: only the hot loop's `due` commits."""

    async def _ticker(self) -> None:
        await asyncio.Event().wait()


async def test_the_hot_loop_commits_by_age_without_the_ticker(tmp_path: Path) -> None:
    store = open_store(f"duckdb:///{tmp_path / 'w.duckdb'}")
    sim_config = SimConfig(seed=4, now=SIM_NOW, speed=600, series=("KXHIGHNY", "KXHIGHCHI"))
    with SimServer(sim_config) as sim:
        config = collector_config(
            sim, tmp_path / "spool", flush_interval_seconds=AGE_S, flush_max_rows=10**6
        )
        collector = NoTickerFlush(config, store, rng=random.Random(4))
        async with running(collector) as task:
            deltas = collector.metrics.rows_written
            assert await wait_for(lambda: deltas._value.get() > 500, 30), "nothing committed"
            await asyncio.sleep(2)
            assert not task.done()
            p50, p99 = collector.writer.lag.percentiles(50, 99)
    committed = store.count("orderbook_deltas")
    print(f"lag p50 {p50:.3f} s, p99 {p99:.3f} s; {committed} deltas committed while running")
    assert committed > 100
    assert p99 < AGE_S + 1.0  # the age bound plus a commit (and a loaded machine's pauses)
    store.close()
