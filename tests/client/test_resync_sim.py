"""Resync against the simulator when resync snapshots are lost or garbled: once the market
is paused no frame arrives for any market, yet every book comes back, the timer alone
escalating (get_snapshot, resubscribe, reconnect, or REST)."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from kalshi_tape.client import BookFeed, KalshiClient
from kalshi_tape.client.stream import FeedEvent, Gap, Malformed, Resynced
from kalshi_tape.client.stream.resync import (
    GET_SNAPSHOT,
    RECONNECT,
    REST,
    RESUBSCRIBE,
    ResyncPolicy,
)
from kalshi_tape.core.domain import OrderbookDelta
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import Faults, SimConfig
from kalshi_tape.sim.server import SimServer
from tests.client.conftest import FAST_BACKOFF, FAST_RECONNECT
from tests.client.test_stream_sim import SIM_NOW, _books_match

FAST = ResyncPolicy(first_s=0.2, cap_s=1.0, jitter=0.25, rest_quiet_s=0.3)


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Iterator[SimServer]:
    faults = Faults(ws_seq_gap=0.05, **request.param)
    config = SimConfig(seed=4, now=SIM_NOW, speed=300, faults=faults, series=("KXHIGHNY",))
    with SimServer(config) as server:
        yield server


async def _tickers(settings: Settings) -> list[str]:
    async with KalshiClient(settings, rng=random.Random(3), backoff=FAST_BACKOFF) as client:
        return sorted([m.ticker async for m in client.iter_markets(status="open")])


async def _run(
    sim: SimServer, policy: ResyncPolicy, client: KalshiClient | None
) -> tuple[Counter[str], Counter[str], list[str], dict[str, object]]:
    """Run until a gap, pause the market, wait for every book: (event kinds, deltas per
    market after the pause, markets still wrong, the simulator's ws stats)."""
    settings = Settings(base_url=sim.base_url, tier="unlimited")
    tickers = await _tickers(settings)
    events: Counter[str] = Counter()
    quiet_deltas: Counter[str] = Counter()
    paused = asyncio.Event()
    rest = client.get_orderbook if client is not None else None
    feed = BookFeed(
        settings,
        tickers,
        rng=random.Random(5),
        options=FAST_RECONNECT,
        resync=policy,
        rest_book=rest,
    )

    def count(event: FeedEvent) -> None:
        events[type(event).__name__] += 1
        if isinstance(event, Resynced):
            events[f"via {event.via}"] += 1
        if paused.is_set() and isinstance(event, OrderbookDelta):
            quiet_deltas[event.market_ticker] += 1

    async def consume() -> None:
        async for event in feed.events():
            count(event)

    task = asyncio.create_task(consume())
    async with httpx.AsyncClient(base_url=sim.admin_url) as admin:
        deadline = time.monotonic() + 30
        while not events[Gap.__name__] + events[Malformed.__name__] and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await admin.post("/pause")
        await asyncio.sleep(0.3)  # frames already on the way
        paused.set()
        wrong = list(tickers)
        deadline = time.monotonic() + 20
        while wrong and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            for event in feed.drain():  # the timer's events, no frame needed
                count(event)
            if feed.synced:
                wrong = await _books_match(feed, admin)
        stats = (await admin.get("/stats")).json()["ws"]
        await admin.post("/resume")
    escalations = feed.state.resync.escalations
    await feed.close()
    await asyncio.wait_for(task, 5.0)
    events.update({f"step {k}": v for k, v in escalations.items()})
    return events, quiet_deltas, wrong, stats


@pytest.mark.parametrize(
    "sim", [{"ws_snapshot_drop": 1.0}, {"ws_snapshot_corrupt": 1.0}], indirect=True
)
async def test_every_book_returns_by_the_timer_when_resync_snapshots_fail(sim: SimServer) -> None:
    events, quiet_deltas, wrong, stats = await _run(sim, FAST, None)
    assert wrong == []
    assert sum(quiet_deltas.values()) == 0, "no delta may drive the recovery"
    assert events[f"step {GET_SNAPSHOT}"] > 0 and events[f"step {RESUBSCRIBE}"] > 0
    assert events[f"step {RECONNECT}"] > 0  # the fresh connection's snapshots got through
    assert stats["snapshots_dropped"] + stats["snapshots_corrupted"] >= 2
    assert events["via snapshot"] > 0


@pytest.mark.parametrize("sim", [{"ws_snapshot_drop": 1.0}], indirect=True)
async def test_rest_order_books_are_the_last_resort(sim: SimServer) -> None:
    settings = Settings(base_url=sim.base_url, tier="unlimited")
    no_reconnect = ResyncPolicy(first_s=0.2, cap_s=1.0, ladder=(GET_SNAPSHOT,), rest_quiet_s=0.3)
    async with KalshiClient(settings, rng=random.Random(3), backoff=FAST_BACKOFF) as client:
        events, quiet_deltas, wrong, _ = await _run(sim, no_reconnect, client)
    assert wrong == []  # REST books equal the simulator's truth
    assert sum(quiet_deltas.values()) == 0
    assert events[f"step {REST}"] > 0 and events["via rest"] > 0
    assert events[f"step {RECONNECT}"] == 0


def test_faults_validate_and_round_trip() -> None:
    from kalshi_tape.core.errors import ConfigError

    faults = Faults.parse("ws_snapshot_drop=0.25,ws_snapshot_corrupt=0.5")
    assert (faults.ws_snapshot_drop, faults.ws_snapshot_corrupt) == (0.25, 0.5)
    with pytest.raises(ConfigError):
        Faults.parse("ws_snapshot_drop=1.5")
    assert Decimal(str(faults.ws_snapshot_corrupt)) == Decimal("0.5")
