"""The writer's flush policy bounds how long a row waits in the buffer: a batch is due when
it is full or its oldest feed row is `max_age_s` old (ManualClock, no wall time)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from kalshi_tape.collector.metrics import CollectorMetrics
from kalshi_tape.collector.spool import Spool
from kalshi_tape.collector.writer import CollectorWriter, Rows
from kalshi_tape.core.clock import ManualClock

MAX_AGE_S = 0.1
_SPOOL = Path(tempfile.mkdtemp(prefix="ktape-writer-age-"))  # never written to


def _writer(tmp: Path, clock: ManualClock, max_rows: int = 1_000) -> CollectorWriter:
    return CollectorWriter(
        None,
        Spool(tmp / "spool"),
        clock=clock,
        metrics=CollectorMetrics(),
        flush_max_rows=max_rows,
        max_age_s=MAX_AGE_S,
    )


def test_due_by_age_of_the_oldest_row_or_when_full(tmp_path: Path) -> None:
    clock = ManualClock(1_000_000_000)
    writer = _writer(tmp_path, clock, max_rows=3)
    assert not writer.due  # empty: nothing to flush, however old the buffer
    clock.advance(5)
    assert not writer.due
    writer.rows.received.append(clock.now_ns())
    clock.advance(0.05)
    writer.rows.received.append(clock.now_ns())
    assert not writer.due  # oldest row 50 ms old
    clock.advance(0.049)
    assert not writer.due
    clock.advance(0.001)
    assert writer.due  # oldest row 100 ms old
    writer.rows = Rows()
    for _ in range(3):
        writer.rows.received.append(clock.now_ns())
    assert writer.due and writer.full  # full, at age zero


def test_without_max_age_only_full_is_due(tmp_path: Path) -> None:
    clock = ManualClock()
    writer = CollectorWriter(
        None, Spool(tmp_path / "spool"), clock=clock, metrics=CollectorMetrics()
    )
    writer.rows.received.append(clock.now_ns())
    clock.advance(3600)
    assert not writer.due


@given(gaps_ms=st.lists(st.integers(0, 250), min_size=1, max_size=300))
def test_no_row_waits_past_the_bound(gaps_ms: list[int]) -> None:
    """Frames arrive with random gaps; after each one the caller hands the buffer over when
    `due`. At every hand-over the oldest row is at most `max_age_s` plus the last gap old,
    and at the frame before it was younger than `max_age_s`: no row is kept longer than
    the policy allows while frames keep coming."""
    clock = ManualClock(10**18)
    writer = CollectorWriter(
        None,
        Spool(_SPOOL),
        clock=clock,
        metrics=CollectorMetrics(),
        flush_max_rows=50,
        max_age_s=MAX_AGE_S,
    )
    bound_ns = round(MAX_AGE_S * 1e9)
    rows = 0
    for gap in gaps_ms:
        clock.advance(gap / 1000)
        received = writer.rows.received
        if received:  # before this frame nothing was due, so the buffer was young
            assert clock.now_ns() - received[0] < bound_ns + gap * 1_000_000
        received.append(clock.now_ns())
        if writer.due:
            age = clock.now_ns() - received[0]
            assert len(received) >= 50 or age >= bound_ns
            rows += len(received)
            writer.rows = Rows()
    assert rows + len(writer.rows.received) == len(gaps_ms)
    received = writer.rows.received
    assert not received or clock.now_ns() - received[0] < bound_ns
