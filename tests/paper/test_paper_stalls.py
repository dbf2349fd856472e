"""A paper session's event loop never stalls on the warehouse: with PostgreSQL behind a
slow link (20 ms added to every chunk each way, so a commit takes a few hundred ms) not one
warehouse call runs on the event loop's thread while the session records its tape and
journals its orders and fills all along, so no write can stall the loop that reads the
feed. The loop's lateness is measured too; on this shared 2-core machine an idle loop is
already late by up to ~70 ms at times (CPU starvation), so the wall figure is reported and
the 50 ms bound is asserted on the warehouse's own time on the loop: zero."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from kalshi_tape.backtest.strategies.protocol import BarState, Order
from kalshi_tape.core.money import Count
from kalshi_tape.paper.session import PaperConfig, run_session
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import Store, open_store
from tests.collector.proxy import TcpProxy
from tests.conftest import through_port

pytestmark = pytest.mark.postgres

START = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # New York's daytime: busy books
TICK_S = 0.005


class EveryBar:
    """Buys one YES contract of the first market every other bar: orders and fills to
    journal all along."""

    name = "every-bar"

    def on_bar(self, state: BarState) -> Sequence[Order]:
        if state.index % 2:
            return []
        return [Order(state.tickers[0], "yes", "buy", Count("1"))]


async def lateness(done: asyncio.Event, worst: list[float]) -> None:
    """How late the loop wakes a `TICK_S` sleeper: the longest stall seen."""
    loop = asyncio.get_running_loop()
    while not done.is_set():
        t0 = loop.time()
        await asyncio.sleep(TICK_S)
        worst[0] = max(worst[0], loop.time() - t0 - TICK_S)


class OnTheLoop:
    """The real store, noting every call made on the event loop's thread (and its time)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._loop_thread = threading.get_ident()
        self.calls: list[tuple[str, float]] = []

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._store, name)
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return value(*args, **kwargs)
            finally:
                if threading.get_ident() == self._loop_thread:
                    self.calls.append((name, time.perf_counter() - t0))

        return call


async def test_warehouse_writes_never_stall_the_event_loop(pg_url: str) -> None:
    proxy = TcpProxy(5432, delay_s=0.02)
    proxy.up()
    url = through_port(pg_url, proxy.port)
    worst, done = [0.0], asyncio.Event()
    sim_config = SimConfig(seed=5, now=START, speed=300, series=("KXHIGHNY",))
    with SimServer(sim_config) as sim, open_store(url) as store:
        settings = Settings(base_url=sim.base_url, db_url=url)
        config = PaperConfig("KXHIGHNY", "every-bar", seconds=8, bar_s=60, flush_every=200)
        spy = OnTheLoop(store)
        watcher = asyncio.create_task(lateness(done, worst))
        row = await run_session(settings, cast(Store, spy), config, strategy=EveryBar())
        done.set()
        await watcher
        deltas = store.count("orderbook_deltas")
        orders = store.count("paper_orders")
    proxy.down()
    on_loop = sum(t for _, t in spy.calls)
    print(
        f"loop late by {worst[0] * 1000:.1f} ms at worst (machine noise included); warehouse"
        f" on the loop: {len(spy.calls)} calls, {on_loop * 1000:.0f} ms; {deltas} deltas,"
        f" {orders} orders"
    )
    assert row.bars >= 10 and deltas > 100 and orders >= 5  # it wrote all along
    assert not spy.calls, f"warehouse calls on the event loop: {spy.calls[:5]}"
