"""The simulator's market clock: starts at `SimConfig.now`, runs at `speed`, can pause."""

from __future__ import annotations

import time
from collections.abc import Callable


class SimClock:
    """Market time = start + (real elapsed) x speed, frozen while paused.

    Implements `kalshi_tape.core.clock.Clock`; `monotonic()` is real monotonic time (rate limits
    always run on real time, whatever the market clock does).
    """

    def __init__(
        self, start_ns: int, speed: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._monotonic = monotonic
        self._base_ns = start_ns
        self._base_mono = monotonic()
        self._speed = speed
        self._paused = speed == 0

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def speed(self) -> float:
        return self._speed

    def now_ns(self) -> int:
        if self._paused:
            return self._base_ns
        return self._base_ns + int((self._monotonic() - self._base_mono) * self._speed * 1e9)

    def monotonic(self) -> float:
        return self._monotonic()

    def pause(self) -> None:
        if not self._paused:
            self._base_ns = self.now_ns()
            self._paused = True

    def resume(self) -> None:
        if self._paused and self._speed > 0:
            self._base_mono = self._monotonic()
            self._paused = False

    def set_speed(self, speed: float) -> None:
        paused = self._paused
        self.pause()
        self._speed = speed
        if not paused:
            self.resume()

    def advance(self, seconds: float) -> None:
        """Jump the market clock forward (admin/test use)."""
        now = self.now_ns()
        self._base_ns = now + int(seconds * 1e9)
        self._base_mono = self._monotonic()
