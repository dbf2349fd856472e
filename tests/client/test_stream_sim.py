"""Acceptance: under every WebSocket and HTTP fault the simulator injects, the watched books
converge to the exchange's true books once the market is paused; gaps, resyncs and
reconnects are reported as events; the feed never dies."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from kalshi_tape.client import BookFeed, KalshiClient
from kalshi_tape.client.stream import Connected, Disconnected, FeedEvent, Gap, Malformed, Resync
from kalshi_tape.core.domain import OrderbookDelta
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import Faults, SimConfig
from kalshi_tape.sim.server import SimServer
from tests.client.conftest import FAST_BACKOFF, FAST_RECONNECT

SIM_NOW = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)  # US daytime: busy books
DEADLINE_S = 60.0  # real-time waits are deadlines for a hang, met early when all is well
FAULTS = Faults(ws_drop_every=400, ws_seq_gap=0.01, ws_malformed=0.01, http_5xx=0.2)


@pytest.fixture(scope="module")
def faulty_sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=11, now=SIM_NOW, speed=900, faults=FAULTS)) as sim:
        yield sim


def _exact(levels: list[list[str]]) -> list[tuple[Decimal, Decimal]]:
    return [(Decimal(p), Decimal(s)) for p, s in levels]


async def _open_tickers(settings: Settings) -> list[str]:
    async with KalshiClient(settings, rng=random.Random(3), backoff=FAST_BACKOFF) as client:
        tickers = [m.ticker async for m in client.iter_markets(status="open")]
        for series in ("KXHIGHNY", "KXHIGHCHI", "KXHIGHMIA", "KXHIGHAUS", "KXHIGHDEN"):
            await client.get_series(series)
        assert client.stats.retries > 0  # http_5xx was active and retried
        assert client.stats.responses_by_status[500] + client.stats.responses_by_status[503] > 0
    return sorted(tickers)


async def _books_match(feed: BookFeed, admin: httpx.AsyncClient) -> list[str]:
    """Tickers whose book differs from the simulator's truth (empty when all match)."""
    wrong = []
    for ticker in sorted(feed.state.tickers):
        truth = (await admin.get(f"/book/{ticker}")).json()
        book = feed.books.get(ticker)
        ours = book.to_json() if book else None
        if ours is None or any(_exact(ours[s]) != _exact(truth[s]) for s in ("yes", "no")):
            wrong.append(ticker)
    return wrong


async def test_books_equal_the_truth_after_pause_despite_faults(faulty_sim: SimServer) -> None:
    settings = Settings(base_url=faulty_sim.base_url, tier="unlimited")
    tickers = await _open_tickers(settings)
    assert len(tickers) >= 12
    events: Counter[str] = Counter()
    async with BookFeed(
        settings, tickers, rng=random.Random(5), options=FAST_RECONNECT, resync_timeout=1.0
    ) as feed:

        async def consume() -> None:
            async for event in feed.events():
                events[type(event).__name__] += 1
                _check_clocks(event)

        task = asyncio.create_task(consume())
        admin = httpx.AsyncClient(base_url=faulty_sim.admin_url)
        await _until_faults_seen(events, deadline_s=DEADLINE_S)
        await admin.post("/pause")
        wrong = await _converge(feed, admin, deadline_s=DEADLINE_S)
        await admin.post("/resume")
        await feed.close()
        await asyncio.wait_for(task, DEADLINE_S)
        await admin.aclose()
    assert wrong == []
    assert events[OrderbookDelta.__name__] >= 300
    assert events[Gap.__name__] > 0 and events[Resync.__name__] > 0
    assert events[Malformed.__name__] > 0
    assert events[Disconnected.__name__] > 0 and events[Connected.__name__] > 1


async def _until_faults_seen(events: Counter[str], deadline_s: float) -> None:
    """Let the market run until every fault has shown up and books have moved a while."""
    wanted = (Gap, Resync, Malformed, Disconnected)
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        seen = all(events[kind.__name__] for kind in wanted)
        if seen and events[OrderbookDelta.__name__] >= 300:
            return


async def _converge(feed: BookFeed, admin: httpx.AsyncClient, deadline_s: float) -> list[str]:
    deadline = time.monotonic() + deadline_s
    wrong = list(feed.state.tickers)
    while time.monotonic() < deadline:
        await asyncio.sleep(0.3)
        if feed.synced:
            wrong = await _books_match(feed, admin)
            if not wrong:
                return []
    return wrong


def _check_clocks(event: FeedEvent) -> None:
    assert event.received_ns > 1_700_000_000 * 10**9
    if isinstance(event, OrderbookDelta):
        assert event.exchange_ts_ms is not None
