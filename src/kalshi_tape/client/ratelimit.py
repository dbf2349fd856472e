"""The one token bucket, and the client's Read budget built on it (kalshi-api.md §4).

`TokenBucket` refills `rate` tokens per second up to `capacity` on an injected clock. Its
users: the client (`acquire` waits, callers served in arrival order), the weather fetchers
(one bucket per host), the simulator (`take` answers at once: Kalshi's 429) and the API
(`take` with a `floor`: the upstream budget's reserve; per-address and per-key limits).
`BucketMap` holds one bucket per key, bounded, for the simulator and the API.

A Kalshi request costs 10 tokens. The client keeps headroom (3 % of the rate, 25 % of the
burst) for the jitter between when we send and when the exchange counts, and a 429 that
arrives anyway drains its bucket, so that all tasks slow down.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock

REQUEST_COST = 10.0
# Float refill rounding must not make a waiter spin. The balance may end this far below
# zero (never clamped), so no grant is ever given away.
EPSILON = 1e-9


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
    """`rate` tokens per second up to `capacity`, starting full, on an injected clock."""

    __slots__ = ("_clock", "_lock", "_sleep", "_stamp", "_tokens", "capacity", "rate", "waited_s")

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
        self.rate = float(rate)
        self.capacity = float(capacity)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.capacity
        self._stamp = clock.monotonic()
        self._lock: asyncio.Lock | None = None  # made on the first `acquire`
        self.waited_s = 0.0

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    def wait_s(self, cost: float = 1.0, floor: float = 0.0) -> float:
        """0 when `cost` tokens can be taken leaving at least `floor`, else seconds until
        they can (nothing taken)."""
        self._refill()
        short = cost + floor - self._tokens
        return 0.0 if short <= EPSILON else short / self.rate

    def take(self, cost: float = 1.0, floor: float = 0.0) -> float:
        """Take `cost` tokens now (0), or say how long until they may be taken (nothing
        taken: the caller answers at once, nothing queues)."""
        wait = self.wait_s(cost, floor)
        if wait == 0.0:
            self._tokens -= cost
        return wait

    async def acquire(self, cost: float = REQUEST_COST) -> None:
        """Take `cost` tokens, waiting for the refill when the bucket is short; waiters
        are served in arrival order."""
        if cost > self.capacity:
            raise ValueError(f"cost {cost} exceeds bucket capacity {self.capacity}")
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            while (wait := self.take(cost)) > 0:
                self.waited_s += wait
                await self._sleep(wait)

    def drain(self) -> None:
        """Empty the bucket (a 429 arrived anyway: the exchange thinks we are over)."""
        self._refill()
        self._tokens = min(self._tokens, 0.0)

    def _refill(self) -> None:
        now = self._clock.monotonic()
        if now > self._stamp:
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now


class BucketMap:
    """One bucket per key (API key, client address), each made full on first use; beyond
    `max_keys` the least recently used is dropped, so a flood of addresses cannot grow it."""

    def __init__(self, clock: Clock = SYSTEM_CLOCK, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def get(self, key: str, rate: float, capacity: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is not None:
            self._buckets.move_to_end(key)
            return bucket
        bucket = self._buckets[key] = TokenBucket(rate, capacity, clock=self._clock)
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return bucket


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
