"""Resync against the simulator when resync snapshots are lost or garbled: once the market
is paused no frame arrives for any market, yet every book comes back, the timer alone
escalating (get_snapshot, resubscribe, reconnect, or REST) — on schedule, even while the
send of its commands hangs."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal

import httpx
import pytest

from kalshi_tape.client import BookFeed, KalshiClient
from kalshi_tape.client.stream import FeedEvent, Gap, Malformed, Resynced, ResyncStep
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
    sim: SimServer,
    policy: ResyncPolicy,
    client: KalshiClient | None,
    seen: list[FeedEvent] | None = None,
    stuck: Callable[[BookFeed, asyncio.Event], None] | None = None,
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
    if stuck is not None:
        stuck(feed, paused)

    def count(event: FeedEvent) -> None:
        if seen is not None:
            seen.append(event)
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
    assert int(str(stats["snapshots_dropped"])) + int(str(stats["snapshots_corrupted"])) >= 2
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


def _hang_sends_once_paused(blocked: list[float]) -> Callable[[BookFeed, asyncio.Event], None]:
    """Once the market is paused, a send on the connection of that moment never returns
    (as behind a full socket buffer) until that connection is aborted; its frames are lost
    with it. A later connection sends normally."""

    def install(feed: BookFeed, paused: asyncio.Event) -> None:
        conn, real = feed.connection, feed.connection.send
        hung: list[object] = []  # the connection current at the first send after the pause

        async def send(frames: list[bytes]) -> None:
            ws = conn._ws
            if paused.is_set() and ws is not None and not hung:
                hung.append(ws)
            if not hung or ws is not hung[0]:
                await real(frames)
                return
            blocked.append(time.monotonic())
            while conn._ws is ws:
                await asyncio.sleep(0.005)

        conn.send = send  # type: ignore[method-assign]

    return install


def _late_steps(steps: list[ResyncStep], policy: ResyncPolicy, slack_s: float) -> list[str]:
    """Consecutive steps of one market (same connection) further apart than the policy's
    longest wait for that attempt plus `slack_s`."""
    late, last = [], dict[str, ResyncStep]()
    for step in steps:
        prev = last.get(step.ticker)
        last[step.ticker] = step
        if prev is None or prev.attempt != step.attempt - 1 or prev.action == RECONNECT:
            continue
        bound = min(policy.cap_s, policy.first_s * 2**prev.attempt) * (1 + policy.jitter)
        gap_s = (step.received_ns - prev.received_ns) / 1e9
        if gap_s > bound + slack_s:
            late.append(f"{step.ticker} attempt {step.attempt}: {gap_s:.2f}s > {bound:.2f}s")
    return late


@pytest.mark.parametrize("sim", [{"ws_snapshot_drop": 1.0}], indirect=True)
async def test_the_timer_keeps_its_schedule_while_a_send_hangs(sim: SimServer) -> None:
    """Fails when the timer awaits its send inline (no step after the hung send: the
    reconnect that frees it never comes) or runs only on incoming frames (none arrive)."""
    seen: list[FeedEvent] = []
    blocked: list[float] = []
    _, quiet_deltas, wrong, _ = await _run(sim, FAST, None, seen, _hang_sends_once_paused(blocked))
    steps = [e for e in seen if isinstance(e, ResyncStep)]
    assert wrong == [], "a book did not come back with no frame arriving"
    assert blocked, "no send hung: the test did not test anything"
    assert sum(quiet_deltas.values()) == 0, "no delta may drive the recovery"
    after = [s for s in steps if s.received_ns / 1e9 >= _wall_to_ns(blocked[0]) / 1e9]
    assert any(s.action == RECONNECT for s in after), f"no reconnect after the hung send: {after}"
    assert _late_steps(steps, FAST, slack_s=0.3) == []


def _wall_to_ns(monotonic_s: float) -> int:
    """A `time.monotonic()` reading on the system clock's `now_ns` scale."""
    return time.time_ns() - int((time.monotonic() - monotonic_s) * 1e9)


def test_faults_validate_and_round_trip() -> None:
    from kalshi_tape.core.errors import ConfigError

    faults = Faults.parse("ws_snapshot_drop=0.25,ws_snapshot_corrupt=0.5")
    assert (faults.ws_snapshot_drop, faults.ws_snapshot_corrupt) == (0.25, 0.5)
    with pytest.raises(ConfigError):
        Faults.parse("ws_snapshot_drop=1.5")
    assert Decimal(str(faults.ws_snapshot_corrupt)) == Decimal("0.5")
