"""The collector takes daily-low markets unchanged: a KXLOWTNYC series on the simulator is
discovered, streamed and stored like a high series, every trade once."""

from __future__ import annotations

import random
from pathlib import Path

from kalshi_tape.collector import Collector
from kalshi_tape.collector.daemon import running
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import open_store
from tests.collector.conftest import (
    SIM_NOW,
    admin,
    collector_config,
    sim_trade_ids,
    stored_trade_ids,
    wait_for,
)


async def test_a_low_series_is_collected_like_a_high_one(tmp_path: Path) -> None:
    config = SimConfig(seed=7, now=SIM_NOW, speed=600, series=("KXLOWTNYC",))
    with SimServer(config) as sim:
        store = open_store(f"duckdb:///{tmp_path / 'w.duckdb'}")
        collector = Collector(
            collector_config(sim, tmp_path / "spool", series=("KXLOWTNYC",)),
            store,
            rng=random.Random(1),
        )
        async with running(collector):
            assert await wait_for(lambda: collector.metrics.rows_written._value.get() > 200, 20)
            with admin(sim) as sim_admin:
                sim_admin.post("/pause")
            sweeps = collector.sweeper.sweeps
            assert await wait_for(lambda: collector.sweeper.sweeps >= sweeps + 2, 15)
        tickers = set(collector.tracker.tickers)
        assert tickers and all(t.startswith("KXLOWTNYC-") for t in tickers)
        stored = stored_trade_ids(store)
        assert len(stored) == len(set(stored))
        assert set(stored) == sim_trade_ids(sim, tickers)
        titles = store.sql("SELECT DISTINCT title FROM markets")  # "... low temp in NYC ..."
        assert titles and all("low temp" in str(r[0]).lower() for r in titles), titles
        assert store.count("orderbook_deltas") > 0
        store.close()
