"""Injectable time. Components take a `Clock`; tests and the simulator pass a `ManualClock`."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_ns(self) -> int:
        """Nanoseconds since the Unix epoch."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for rate limits and timeouts)."""
        ...


class SystemClock:
    def now_ns(self) -> int:
        return time.time_ns()

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start_ns: int = 0) -> None:
        self._now_ns = start_ns
        self._mono = 0.0

    def now_ns(self) -> int:
        return self._now_ns

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now_ns += int(seconds * 1_000_000_000)
        self._mono += seconds

    def set_ns(self, now_ns: int) -> None:
        self._now_ns = now_ns


SYSTEM_CLOCK = SystemClock()


def now_s(clock: Clock = SYSTEM_CLOCK) -> int:
    return clock.now_ns() // 1_000_000_000
