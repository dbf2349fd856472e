"""Client-side token bucket matching Kalshi's Read budget (kalshi-api.md §4).

Each request costs 10 tokens; the bucket refills at the tier's Read rate up to its
capacity. One bucket is shared by every task using a client, and waiters are served in
arrival order, so many concurrent requests saturate the budget without a 429.
Headroom (3 % of the rate, 25 % of the burst) absorbs the jitter between when we send
and when the exchange counts. A 429 that arrives anyway drains the bucket, so that all
tasks slow down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from kalshi_tape.clock import SYSTEM_CLOCK, Clock

REQUEST_COST = 10.0
_EPSILON = 1e-6  # float refill rounding must not make a waiter spin


@dataclass(frozen=True, slots=True)
class TierBudget:
    """Read budget of a tier in Kalshi tokens: refill per second and bucket capacity."""

    rate: float
    capacity: float


# Read budgets (tokens/s) and capacities; capacity is 2 s of budget for Basic/Advanced.
TIER_BUDGETS: dict[str, TierBudget | None] = {
    "basic": TierBudget(200, 400),
    "advanced": TierBudget(300, 600),
    "expert": TierBudget(600, 600),
    "premier": TierBudget(1_000, 1_000),
    "paragon": TierBudget(2_000, 2_000),
    "prime": TierBudget(4_000, 4_000),
    "prestige": TierBudget(10_000, 10_000),
    "unlimited": None,
}

Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """An async token bucket on an injected clock; `acquire` waits in FIFO order."""

    def __init__(
        self,
        rate: float,
        capacity: float,
        *,
        clock: Clock = SYSTEM_CLOCK,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._sleep = sleep
        self._tokens = capacity
        self._stamp = clock.monotonic()
        self._lock = asyncio.Lock()
        self.waited_s = 0.0

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    async def acquire(self, cost: float = REQUEST_COST) -> None:
        """Take `cost` tokens, waiting for the refill when the bucket is short."""
        if cost > self.capacity:
            raise ValueError(f"cost {cost} exceeds bucket capacity {self.capacity}")
        async with self._lock:
            while True:
                self._refill()
                if self._tokens >= cost - _EPSILON:
                    self._tokens = max(0.0, self._tokens - cost)
                    return
                wait = (cost - self._tokens) / self.rate
                self.waited_s += wait
                await self._sleep(wait)

    def drain(self) -> None:
        """Empty the bucket (a 429 arrived anyway: the exchange thinks we are over)."""
        self._refill()
        self._tokens = 0.0

    def _refill(self) -> None:
        now = self._clock.monotonic()
        elapsed = now - self._stamp
        if elapsed > 0:
            self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._stamp = now


class NoLimit:
    """Stand-in for the `unlimited` tier."""

    waited_s = 0.0

    async def acquire(self, cost: float = REQUEST_COST) -> None:
        return None

    def drain(self) -> None:
        return None


RateLimiter = TokenBucket | NoLimit


def limiter_for_tier(
    tier: str,
    *,
    clock: Clock = SYSTEM_CLOCK,
    headroom: float = 0.03,
    burst_reserve: float = 0.25,
    sleep: Sleep = asyncio.sleep,
) -> RateLimiter:
    """The limiter for a tier: `headroom` below the exchange's rate and `burst_reserve`
    below its capacity."""
    if tier not in TIER_BUDGETS:
        raise ValueError(f"unknown tier {tier!r}; known: {', '.join(TIER_BUDGETS)}")
    budget = TIER_BUDGETS[tier]
    if budget is None:
        return NoLimit()
    rate = budget.rate * (1 - headroom)
    # Keep a quarter of the burst in reserve: if the burst reaches the exchange late (a slow
    # first connection), the requests sent meanwhile arrive with it.
    capacity = max(
        REQUEST_COST, budget.capacity * (1 - burst_reserve) // REQUEST_COST * REQUEST_COST
    )
    return TokenBucket(rate, capacity, clock=clock, sleep=sleep)
