"""The injectable clock."""

from __future__ import annotations

import time

from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock, ManualClock, SystemClock, now_s


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(start_ns=1_700_000_000_000_000_000)
    assert (clock.now_ns(), clock.monotonic()) == (1_700_000_000_000_000_000, 0.0)
    clock.advance(1.5)
    assert clock.now_ns() == 1_700_000_001_500_000_000 and clock.monotonic() == 1.5
    clock.set_ns(5_000_000_000)
    assert now_s(clock) == 5 and clock.monotonic() == 1.5  # monotonic never goes back


def test_system_clock_reads_the_wall_and_the_monotonic_clock() -> None:
    clocks: list[Clock] = [SystemClock(), SYSTEM_CLOCK]
    for clock in clocks:
        before, before_mono = time.time_ns(), time.monotonic()
        now, mono = clock.now_ns(), clock.monotonic()
        # Bracketed by the two clocks it must read: a constant, a scaled value or the
        # wrong clock (perf_counter, process time, seconds for nanoseconds) falls outside.
        assert before <= now <= time.time_ns()
        assert before_mono <= mono <= time.monotonic()


def test_manual_clock_monotonic_does_not_follow_set_ns_backwards() -> None:
    clock = ManualClock(start_ns=10_000_000_000)
    clock.advance(2.0)
    clock.set_ns(1_000_000_000)
    assert (clock.now_ns(), clock.monotonic()) == (1_000_000_000, 2.0)
