"""Kalshi's token buckets (kalshi-api.md §4): 10 tokens per request, per key or client."""

from __future__ import annotations

from collections.abc import Callable

from kalshi_tape.sim.config import TIERS

REQUEST_COST = 10.0


class RateLimiter:
    """One Read bucket per API key (or client address); runs on real monotonic time."""

    def __init__(self, tier: str, monotonic: Callable[[], float]) -> None:
        self.limits = TIERS[tier]
        self._monotonic = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last time)

    def allow(self, key: str) -> bool:
        if self.limits is None:
            return True
        rate, capacity = self.limits
        now = self._monotonic()
        tokens, last = self._buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * rate)
        if tokens < REQUEST_COST:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - REQUEST_COST, now)
        return True
