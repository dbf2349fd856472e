"""Kalshi's Read buckets (kalshi-api.md §4): 10 tokens per request, one bucket per API key
(or client address), the tier's full budget. A request the bucket cannot pay is refused at
once (the app answers Kalshi's 429); the refused request costs nothing."""

from __future__ import annotations

from kalshi_tape.client.ratelimit import REQUEST_COST, TIER_BUDGETS, BucketMap
from kalshi_tape.core.clock import Clock


class RateLimiter:
    """One Read bucket per key, on the exchange's clock (its `monotonic` is real time)."""

    def __init__(self, tier: str, clock: Clock) -> None:
        self.limits = TIER_BUDGETS[tier]
        self._buckets = BucketMap(clock)

    def allow(self, key: str) -> bool:
        if self.limits is None:
            return True
        bucket = self._buckets.get(key, self.limits.rate, self.limits.capacity)
        return bucket.take(REQUEST_COST) == 0.0
