"""The WebSocket watchdog against a simulator connection that goes silent without closing
(fault `ws_stall_after`: no more frames, no pongs). With the watchdog the feed notices,
reconnects and resyncs to the exchange's true books; without it the feed waits forever on
the dead connection, which the control test shows (so the fault really is silent)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from kalshi_tape.client import BookFeed, KalshiClient
from kalshi_tape.client.retry import Backoff
from kalshi_tape.client.stream import Connected, Disconnected, FeedEvent
from kalshi_tape.client.stream.connection import ConnectionOptions
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from tests.client.conftest import FAST_BACKOFF
from tests.client.test_stream_sim import _converge

SIM_NOW = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)  # US daytime: books move
FAST = Backoff(base_s=0.02, cap_s=0.2)
# A silent server never answers the close handshake either: don't wait the default 10 s.
WATCHDOG = ConnectionOptions(backoff=FAST, idle_timeout=0.5, pong_timeout=0.5, close_timeout=0.5)
NO_WATCHDOG = ConnectionOptions(backoff=FAST, close_timeout=0.5, watchdog=False)
WATCHDOG_REASON = "no pong from server (watchdog)"
DEADLINE_S = 60.0  # real-time waits are deadlines for a hang, met early when all is well


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=11, now=SIM_NOW, speed=900, tier="unlimited")) as server:
        yield server


class Recorder:
    def __init__(self) -> None:
        self.events: list[FeedEvent] = []

    def count(self, kind: type) -> int:
        return sum(isinstance(e, kind) for e in self.events)

    def reasons(self) -> list[str]:
        return [e.reason for e in self.events if isinstance(e, Disconnected)]


async def _tickers(settings: Settings) -> list[str]:
    async with KalshiClient(settings, rng=random.Random(3), backoff=FAST_BACKOFF) as client:
        tickers = [m.ticker async for m in client.iter_markets(status="open")]
    return sorted(tickers)[:8]


async def _until(condition: object, deadline_s: float) -> bool:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.05)
    return False


async def _stall_the_connection(admin: httpx.AsyncClient) -> None:
    """Make the feed's current connection go silent, then let new connections be healthy."""
    await admin.post("/faults", json={"ws_stall_after": 1})
    deadline = time.monotonic() + DEADLINE_S
    while (await admin.get("/stats")).json()["ws"]["stalls"] < 1:
        assert time.monotonic() < deadline, "the connection never stalled"
        await asyncio.sleep(0.02)
    await admin.post("/faults", json={"ws_stall_after": 0})
    assert (await admin.get("/stats")).json()["ws"]["stalls"] == 1


async def _run_stalled_feed(
    sim: SimServer, options: ConnectionOptions, wait_s: float
) -> tuple[Recorder, list[str]]:
    """Sync a feed, stall its connection, give it `wait_s` to notice and as long to
    converge once the market is paused. Returns the events and the wrong tickers."""
    settings = Settings(base_url=sim.base_url, tier="unlimited")
    tickers = await _tickers(settings)
    record = Recorder()
    admin = httpx.AsyncClient(base_url=sim.admin_url)
    async with BookFeed(
        settings, tickers, rng=random.Random(5), options=options, resync_timeout=1.0
    ) as feed:

        async def consume() -> None:
            async for event in feed.events():
                record.events.append(event)

        task = asyncio.create_task(consume())
        assert await _until(lambda: feed.synced, DEADLINE_S)
        await _stall_the_connection(admin)
        await _until(lambda: WATCHDOG_REASON in record.reasons(), wait_s)
        await asyncio.sleep(0.3)  # the market moves on: a stale book now differs
        await admin.post("/pause")
        wrong = await _converge(feed, admin, deadline_s=wait_s)
        await admin.post("/resume")
        await feed.close()
        await asyncio.wait_for(task, DEADLINE_S)
    await admin.aclose()
    return record, wrong


async def test_watchdog_reconnects_and_resyncs_after_a_silent_connection(
    sim: SimServer,
) -> None:
    record, wrong = await _run_stalled_feed(sim, WATCHDOG, wait_s=DEADLINE_S)
    assert WATCHDOG_REASON in record.reasons()
    assert record.count(Connected) >= 2
    assert wrong == []


async def test_without_the_watchdog_a_silent_connection_goes_unnoticed(
    sim: SimServer,
) -> None:
    """Control: the stalled connection neither closes nor sends, so only a watchdog helps.
    Its 2 s are 4 watchdog timeouts; load cannot make a feed without one reconnect."""
    record, wrong = await _run_stalled_feed(sim, NO_WATCHDOG, wait_s=2.0)
    assert record.reasons() == [] and record.count(Connected) == 1
    assert wrong != []
