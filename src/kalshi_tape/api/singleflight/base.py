"""The interface and the in-process implementation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

from kalshi_tape.api.resilience import SingleFlight
from kalshi_tape.core.clock import Clock

Make = Callable[[], Awaitable[str]]
POLL_S = 0.02  # how often a waiter in another worker looks for the result


class FlightError(Exception):
    """The shared flight could not be coordinated (Redis or PostgreSQL trouble)."""


class SharedFlight(Protocol):
    name: str

    async def run(self, key: str, make: Make, ttl_s: float) -> str:
        """`make()`'s result for `key`: run here once, or shared from another caller."""
        ...

    async def aclose(self) -> None: ...


class LocalFlight:
    """In this process: concurrent callers share one run; the result is kept `ttl_s`."""

    name = "local"

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._flights: SingleFlight[str] = SingleFlight()
        self._results: dict[str, tuple[float, str]] = {}

    async def run(self, key: str, make: Make, ttl_s: float) -> str:
        kept = self._results.get(key)
        if kept is not None and self._clock.monotonic() < kept[0]:
            return kept[1]

        async def flight() -> str:
            result = await make()
            if len(self._results) > 100_000:
                self._results.clear()
            self._results[key] = (self._clock.monotonic() + ttl_s, result)
            return result

        return await self._flights.run(key, flight, timeout=3600.0)

    async def aclose(self) -> None:
        await asyncio.sleep(0)
