"""The injectable clock."""

from __future__ import annotations

import time

from kalshi_tape.clock import SYSTEM_CLOCK, Clock, ManualClock, SystemClock, now_s


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(start_ns=1_700_000_000_000_000_000)
    assert (clock.now_ns(), clock.monotonic()) == (1_700_000_000_000_000_000, 0.0)
    clock.advance(1.5)
    assert clock.now_ns() == 1_700_000_001_500_000_000 and clock.monotonic() == 1.5
    clock.set_ns(5_000_000_000)
    assert now_s(clock) == 5 and clock.monotonic() == 1.5  # monotonic never goes back


def test_system_clock_is_a_clock() -> None:
    clocks: list[Clock] = [SystemClock(), SYSTEM_CLOCK, ManualClock()]
    before = time.time_ns()
    assert before <= SYSTEM_CLOCK.now_ns() <= time.time_ns()
    assert SYSTEM_CLOCK.monotonic() <= SYSTEM_CLOCK.monotonic()
    assert all(isinstance(c.now_ns(), int) for c in clocks)
