"""Fetch-through guards: single-flight, a negative cache and a circuit breaker.

* `SingleFlight`: concurrent callers with the same key share one running task; a caller
  that stops waiting (timeout, disconnect) does not cancel it, so its result still lands.
* `NegativeCache`: keys known not to exist, remembered for a while.
* `CircuitBreaker`: after N consecutive upstream failures, refuse at once for a cooldown,
  then let one trial through (half-open); a success closes it again.
All use the injected monotonic clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from kalshi_tape.core.clock import Clock

T = TypeVar("T")


class SingleFlight(Generic[T]):
    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Task[T]] = {}
        self.started = 0  # flights actually run (for metrics and tests)

    async def run(self, key: Hashable, make: Callable[[], Awaitable[T]], timeout: float) -> T:
        """The result of `make()` for `key`, shared with concurrent callers; waits at most
        `timeout` seconds (TimeoutError) while the flight itself goes on."""
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(make())
            self.started += 1
            self._running[key] = task
            task.add_done_callback(lambda _: self._forget(key, task))
        return await asyncio.wait_for(asyncio.shield(task), timeout)

    def _forget(self, key: Hashable, task: asyncio.Task[T]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled():
            task.exception()  # retrieved: nobody may be waiting any more

    def __contains__(self, key: Hashable) -> bool:
        """Whether a flight for `key` is running (joining it costs nothing upstream)."""
        return key in self._running

    @property
    def in_flight(self) -> int:
        return len(self._running)


class NegativeCache:
    def __init__(self, ttl_s: float, clock: Clock, max_size: int = 100_000) -> None:
        self._ttl = ttl_s
        self._clock = clock
        self._max = max_size
        self._until: dict[Hashable, float] = {}

    def add(self, key: Hashable) -> None:
        if len(self._until) >= self._max:
            self._until.pop(next(iter(self._until)))
        self._until[key] = self._clock.monotonic() + self._ttl

    def __contains__(self, key: Hashable) -> bool:
        until = self._until.get(key)
        if until is None:
            return False
        if self._clock.monotonic() >= until:
            del self._until[key]
            return False
        return True


class CircuitOpen(Exception):
    """The breaker is open: upstream is not asked."""


class CircuitBreaker:
    def __init__(self, failures: int, cooldown_s: float, clock: Clock) -> None:
        self._threshold = failures
        self._cooldown = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        return "half-open" if self._cooled() else "open"

    def _cooled(self) -> bool:
        return self._opened_at is not None and (
            self._clock.monotonic() - self._opened_at >= self._cooldown
        )

    async def call(
        self, make: Callable[[], Awaitable[T]], is_failure: Callable[[BaseException], bool]
    ) -> T:
        self._admit()
        try:
            result = await make()
        except BaseException as exc:
            self._trial = False
            if is_failure(exc):
                self._record_failure()
            raise
        self._failures, self._opened_at, self._trial = 0, None, False
        return result

    def _admit(self) -> None:
        if self._opened_at is None:
            return
        if not self._cooled() or self._trial:
            raise CircuitOpen("Kalshi failed repeatedly; not asking again for a while")
        self._trial = True

    def _record_failure(self) -> None:
        self._failures += 1
        if self._failures >= self._threshold or self._opened_at is not None:
            self._opened_at = self._clock.monotonic()
