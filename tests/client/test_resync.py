"""The resync state machine on a fake clock: backoff, jitter bounds, escalation order, the
REST fallback, and convergence however many snapshots are lost — driven by the timer
alone (`on_tick`), never by an incoming frame."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshi_tape.client.stream import FeedState, Resynced, ResyncStep
from kalshi_tape.client.stream.resync import (
    GET_SNAPSHOT,
    RECONNECT,
    REST,
    RESUBSCRIBE,
    ResyncMachine,
    ResyncPolicy,
)
from kalshi_tape.collector.recorder import resync_rows
from kalshi_tape.core.clock import ManualClock
from kalshi_tape.core.domain import Orderbook
from kalshi_tape.core.money import Count, Price
from tests.client.test_feed_state import A, B, commands, connected, delta, snap

# a short ladder and no retry cap, so every step is seen within a few ticks
SHORT_LADDER = (GET_SNAPSHOT, GET_SNAPSHOT, RESUBSCRIBE, RECONNECT)
POLICY = ResyncPolicy(
    first_s=1.0, cap_s=8.0, jitter=0.25, rest_quiet_s=0.5, ladder=SHORT_LADDER, retry_cap_s=8.0
)


def out_of_sync(rest: bool = True) -> tuple[FeedState, ManualClock]:
    """A synced feed whose books a sequence gap just dropped (the first ask sent)."""
    clock = ManualClock(10**18)
    state = connected(FeedState([A, B], clock=clock, rng=random.Random(3), policy=POLICY))
    state.rest_enabled = rest
    state.handle_frame(snap(1, A, [["0.4000", "10.00"]], []), clock.now_ns())
    state.handle_frame(snap(2, B, [["0.1000", "1.00"]], []), clock.now_ns())
    assert state.synced and not state.resync.pending
    state.handle_frame(delta(4, A, "yes", "0.4000", "1.00"), clock.now_ns())  # seq 3 lost
    (ask,) = commands(state)
    assert ask["params"]["action"] == "get_snapshot"
    assert set(state.resync.pending) == {A, B}
    return state, clock


def run_until_step(state: FeedState, clock: ManualClock) -> tuple[list[Any], list[Any]]:
    """Advance the fake clock to the next deadline and tick: (events, commands)."""
    deadline = state.resync.next_deadline()
    assert deadline is not None
    clock.advance(deadline - clock.monotonic() + 1e-6)
    events = state.on_tick()
    return events, commands(state)


def steps_of(events: list[Any]) -> list[tuple[str, str, int]]:
    return [(e.ticker, e.action, e.attempt) for e in events if isinstance(e, ResyncStep)]


@given(
    seed=st.integers(0, 2**32),
    attempt=st.integers(0, 20),
    first=st.floats(0.01, 5.0),
    jitter=st.floats(0.0, 0.9),
)
def test_the_wait_doubles_up_to_the_cap_and_jitter_stays_in_bounds(
    seed: int, attempt: int, first: float, jitter: float
) -> None:
    policy = ResyncPolicy(first_s=first, cap_s=first * 8, jitter=jitter, retry_cap_s=first * 2)
    asks = policy.ladder[:attempt].count(GET_SNAPSHOT)
    if policy.action(attempt + 1) == GET_SNAPSHOT:
        base = min(first * 2, first * 2**attempt)
    else:
        base = min(first * 8, first * 2 ** (attempt - asks))
    delay = policy.delay(attempt, random.Random(seed))
    assert base * (1 - jitter) - 1e-9 <= delay <= base * (1 + jitter) + 1e-9


def test_jitter_is_seeded_and_spreads_markets_apart() -> None:
    def deadlines(seed: int) -> list[float]:
        machine = ResyncMachine(ManualClock(), random.Random(seed), POLICY)
        machine.begin([f"M{i}" for i in range(20)], "gap", 0)
        return [w.deadline for w in machine.pending.values()]

    assert deadlines(7) == deadlines(7)
    assert deadlines(7) != deadlines(8)
    assert len(set(deadlines(7))) == 20  # no thundering herd of identical retries
    assert all(0.75 <= d <= 1.25 for d in deadlines(7))


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        ResyncPolicy(first_s=0)
    with pytest.raises(ValueError):
        ResyncPolicy(first_s=2, cap_s=1)
    with pytest.raises(ValueError):
        ResyncPolicy(jitter=1.0)


def test_nothing_happens_before_the_deadline() -> None:
    state, clock = out_of_sync()
    deadline = state.resync.next_deadline()
    assert deadline is not None
    clock.advance(deadline - clock.monotonic() - 0.01)
    assert steps_of(state.on_tick()) == []
    assert commands(state) == []


def test_escalation_order_snapshot_snapshot_resubscribe_reconnect_rest() -> None:
    state, clock = out_of_sync()
    seen: list[str] = []
    at = [clock.monotonic()]  # when A's steps were taken
    for _ in range(30):
        if len(seen) == 5:
            break
        events, sent = run_until_step(state, clock)
        actions = {a for t, a, _ in steps_of(events) if t == A}
        if not actions:  # B's deadline came first (jitter)
            continue
        (action,) = actions
        seen.append(action)
        at.append(clock.monotonic())
        for_a = [c["params"]["action"] for c in sent if A in c["params"]["market_tickers"]]
        if action == GET_SNAPSHOT:
            assert for_a == ["get_snapshot"]
        elif action == RESUBSCRIBE:
            assert for_a == ["delete_markets", "add_markets"]
        elif action == RECONNECT:
            assert state.take_reconnect()
        elif action == REST:
            assert A in state.take_rest_wanted()
    assert seen == [GET_SNAPSHOT, GET_SNAPSHOT, RESUBSCRIBE, RECONNECT, REST]
    waits = [b - a for a, b in itertools.pairwise(at)]
    # asks double from 1 s; the heavier steps double from 1 s again; each +-25 %
    for base, wait in zip([1.0, 2.0, 1.0, 2.0, 4.0], waits, strict=True):
        assert base * 0.75 <= wait <= base * 1.25 + 1e-3, (base, wait)
    assert state.resync.escalations[RECONNECT] >= 1


def test_by_default_get_snapshot_is_asked_seven_times_quickly_before_a_heavier_step() -> None:
    """A lost or cut-off answer is independent of the last one (the simulator's resync
    snapshot faults lose 28 % of answers): seven asks make a resubscribe rare (0.28**7),
    and only a get_snapshot answer keeps the tape exact around the loss. Every ask comes
    within 0.5 s (+ jitter) of the last, and the reconnect within 5 s of the loss."""
    policy = ResyncPolicy()
    assert policy.ladder[:6] == (GET_SNAPSHOT,) * 6
    machine = ResyncMachine(clock := ManualClock(), random.Random(4), policy)
    machine.begin([A], "gap", 0)
    taken: list[tuple[str, float]] = []
    while len(taken) < 8:
        deadline = machine.next_deadline()
        assert deadline is not None
        clock.advance(deadline - clock.monotonic() + 1e-6)
        taken += [(step.action, clock.monotonic()) for step in machine.due(clock.now_ns())]
    actions = [action for action, _ in taken]
    assert actions == [*(GET_SNAPSHOT,) * 6, RESUBSCRIBE, RECONNECT]
    asked = [0.0] + [at for action, at in taken if action == GET_SNAPSHOT]
    assert max(b - a for a, b in itertools.pairwise(asked)) <= 0.5 * 1.25 + 1e-3
    assert taken[-1][1] < 5.0


def test_without_a_rest_fetcher_the_last_step_is_another_reconnect() -> None:
    state, clock = out_of_sync(rest=False)
    for _ in range(12):
        run_until_step(state, clock)
    assert state.take_rest_wanted() == []
    assert state.take_reconnect()
    assert state.resync.pending[A].attempt >= 5


def _rest_book() -> Orderbook:
    return Orderbook(yes=((Price(Decimal("0.3000")), Count(Decimal("2.00"))),), no=(), ticker=A)


def _to_rest(state: FeedState, clock: ManualClock) -> None:
    while A not in state.rest_wanted:
        run_until_step(state, clock)
    assert A in state.take_rest_wanted()


def test_a_quiet_rest_book_brings_the_market_back() -> None:
    state, clock = out_of_sync()
    _to_rest(state, clock)
    state.on_rest_book(A, _rest_book())
    clock.advance(0.4)
    assert A not in state.books and not [e for e in state.on_tick() if isinstance(e, Resynced)]
    clock.advance(0.2)
    events = state.on_tick()
    (done,) = [e for e in events if isinstance(e, Resynced) and e.ticker == A]
    assert done.via == REST and done.cause == "gap" and done.attempts >= 5
    assert done.duration_ns == clock.now_ns() - 10**18
    assert state.books[A].best_yes_bid == Decimal("0.3")
    assert A not in state.awaiting and A not in state.resync.pending
    snapshot = next(e for e in events if type(e).__name__ == "OrderbookSnapshot")
    assert snapshot.market_ticker == A and snapshot.received_ns == clock.now_ns()


def test_a_rest_book_is_thrown_away_when_a_delta_of_its_market_arrives() -> None:
    state, clock = out_of_sync()
    _to_rest(state, clock)
    state.on_rest_book(A, _rest_book())
    state.handle_frame(delta(5, A, "yes", "0.4000", "1.00"), clock.now_ns())  # in flight?
    clock.advance(1.0)
    state.on_tick()
    assert A not in state.books  # the timer asks again instead
    assert A in state.resync.pending


def test_a_rest_book_is_thrown_away_after_any_gap() -> None:
    state, clock = out_of_sync()
    _to_rest(state, clock)
    state.handle_frame(delta(9, B, "yes", "0.1000", "1.00"), clock.now_ns())  # 5..8 lost
    state.on_rest_book(A, _rest_book())
    clock.advance(1.0)
    state.on_tick()
    assert A not in state.books


@given(drops=st.integers(0, 7), seed=st.integers(0, 1000))
def test_converges_however_many_snapshots_are_lost(drops: int, seed: int) -> None:
    """Each step's answer is lost `drops` times; then one arrives. No frame drives the
    retries: only the fake clock and `on_tick`."""
    clock = ManualClock(0)
    state = connected(FeedState([A], clock=clock, rng=random.Random(seed), policy=POLICY))
    state.rest_enabled = True
    commands(state)
    steps = 0
    while steps < drops:
        events, _ = run_until_step(state, clock)
        steps += len(steps_of(events))
        state.take_reconnect()
        state.take_rest_wanted()
    seq = 1 + drops
    events = state.handle_frame(snap(seq, A, [["0.4000", "1.00"]], []), clock.now_ns())
    (done,) = [e for e in events if isinstance(e, Resynced)]
    assert done.attempts == drops and done.cause == "subscribe"
    assert state.synced or not state.connected
    assert state.resync.next_deadline() is None
    # the total wait is bounded by the capped schedule
    bound = sum(min(8.0, 2.0**n) * 1.25 for n in range(drops))
    assert done.duration_ns <= bound * 1e9 + 1e6


def test_a_reconnect_keeps_the_count_so_escalation_goes_on() -> None:
    from kalshi_tape.client.stream import Connected, Disconnected

    state, clock = out_of_sync()
    while state.resync.pending[A].attempt < 4:
        run_until_step(state, clock)
    assert state.take_reconnect()
    state.on_disconnected(Disconnected("resync", clock.now_ns()))
    state.on_connected(Connected("ws://x", True, 1, clock.now_ns()))
    assert state.resync.pending[A].attempt == 4 and state.resync.pending[A].cause == "gap"
    while state.resync.pending[A].attempt < 5:
        events, _ = run_until_step(state, clock)
    assert (A, REST, 5) in steps_of(events)


def test_transitions_become_gap_rows_with_cause_and_duration() -> None:
    state, clock = out_of_sync()
    events, _ = run_until_step(state, clock)
    events += state.handle_frame(snap(5, A, [["0.4000", "1.00"]], []), clock.now_ns())
    rows = [row for e in events if isinstance(e, ResyncStep | Resynced) for row in resync_rows(e)]
    kinds = {(r.kind, r.market_ticker) for r in rows}
    assert ("resynced", A) in kinds
    step = next(r for r in rows if r.kind == "resync_step")
    assert step.cause == "gap" and step.duration_ns is not None and step.duration_ns > 0
    done = next(r for r in rows if r.kind == "resynced")
    assert done.duration_ns == clock.now_ns() - 10**18 and "via snapshot" in done.detail


def test_a_removed_market_leaves_the_machine() -> None:
    state, _ = out_of_sync()
    state.remove_markets([A])
    assert A not in state.resync.pending and B in state.resync.pending


def test_a_cut_off_delta_naming_its_market_resyncs_that_market_alone() -> None:
    state = connected(FeedState([A, B], clock=ManualClock(), policy=POLICY))
    state.handle_frame(snap(1, A, [["0.4000", "10.00"]], []), 1)
    state.handle_frame(snap(2, B, [["0.1000", "1.00"]], []), 2)
    cut = b'{"type":"orderbook_delta","sid":1,"seq":3,"msg":{"market_ticker":"MKT-A","pri'
    events = state.handle_frame(cut, 3)
    resync = next(e for e in events if type(e).__name__ == "Resync")
    assert resync.tickers == (A,) and resync.reason == "malformed"
    assert B in state.books and A not in state.books
    # its seq counted: the next frame is no gap, and B's book goes on
    after = state.handle_frame(delta(4, B, "yes", "0.1000", "1.00"), 4)
    assert [type(e).__name__ for e in after] == ["OrderbookDelta"]
    assert state.books[B].yes_bid_size == Decimal("2")


def test_a_cut_off_resync_snapshot_leaves_live_books_and_its_market_waits() -> None:
    state, clock = out_of_sync()
    state.handle_frame(snap(5, B, [["0.1000", "1.00"]], []), clock.now_ns())
    cut = b'{"type":"orderbook_snapshot","sid":1,"seq":6,"msg":{"market_ticker":"MKT-A","ye'
    events = state.handle_frame(cut, clock.now_ns())
    assert [type(e).__name__ for e in events] == ["Malformed"]
    assert B in state.books and A in state.resync.pending
    events, _ = run_until_step(state, clock)
    assert (A, GET_SNAPSHOT, 1) in steps_of(events)


def test_a_cut_off_frame_that_skips_seqs_is_still_a_gap_for_every_book() -> None:
    state = connected(FeedState([A, B], clock=ManualClock(), policy=POLICY))
    state.handle_frame(snap(1, A, [["0.4000", "10.00"]], []), 1)
    state.handle_frame(snap(2, B, [["0.1000", "1.00"]], []), 2)
    cut = b'{"type":"orderbook_delta","sid":1,"seq":5,"msg":{"market_ticker":"MKT-A","pri'
    kinds = [type(e).__name__ for e in state.handle_frame(cut, 3)]
    assert "Gap" in kinds and state.books == {}


def test_a_cut_off_frame_of_an_unknown_market_resyncs_everything() -> None:
    state = connected(FeedState([A, B], clock=ManualClock(), policy=POLICY))
    state.handle_frame(snap(1, A, [["0.4000", "10.00"]], []), 1)
    state.handle_frame(snap(2, B, [["0.1000", "1.00"]], []), 2)
    cut = b'{"type":"orderbook_delta","sid":1,"seq":3,"msg":{"market_ticker":"MKT-Z","pri'
    state.handle_frame(cut, 3)
    assert state.books == {}
