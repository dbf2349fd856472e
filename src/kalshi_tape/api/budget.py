"""The upstream budget: what fetch-through may ask of Kalshi, globally and per client.

One token is one fetch-through *flight* (a series check, a market look-up: at most
`FLIGHT_REQUESTS` Kalshi requests; or one event's candle fetch). Joining a flight that is
already running costs nothing. Two buckets are spent per flight:

* the client's own (by API key id, else by the caller's address): `client_upstream_*`;
  a look-up of something the warehouse already knows ("known-good") skips it;
* the global one, a share of the Kalshi tier's read rate (`upstream_share`); look-ups of
  unknown tickers may only use it down to the reserve (`known_reserve`), which stays
  for known-good look-ups, so an abuser cannot starve them.

A spent bucket answers at once (503 with `Retry-After` at the route): nothing queues
behind an abuser. `current_client` is set by the access middleware for each request.
"""

from __future__ import annotations

import contextvars

from kalshi_tape.client.ratelimit import REQUEST_COST, TIER_BUDGETS, BucketMap, TokenBucket
from kalshi_tape.core.clock import Clock

FLIGHT_REQUESTS = 3  # a market look-up: series check, live, then historical endpoint
UNLIMITED_FLIGHTS_PER_S = 100.0  # the global rate when the tier has no stated budget
MAX_CLIENTS = 100_000  # per-client buckets kept (least recently used dropped)

current_client: contextvars.ContextVar[str] = contextvars.ContextVar(
    "ktape_api_client", default="-"
)


def global_flights_per_s(tier: str, share: float) -> float:
    budget = TIER_BUDGETS.get(tier)
    if budget is None:
        return UNLIMITED_FLIGHTS_PER_S * share
    return budget.rate / REQUEST_COST * share / FLIGHT_REQUESTS


class UpstreamBudget:
    def __init__(
        self,
        global_rate: float,
        client_rate: float,
        client_burst: int,
        known_reserve: float,
        clock: Clock,
    ) -> None:
        burst = max(2.0, 2 * global_rate)  # two seconds of budget
        self.global_bucket = TokenBucket(global_rate, burst, clock=clock)
        self._reserve = burst * known_reserve
        self._client_rate, self._client_burst = client_rate, client_burst
        self._clients = BucketMap(clock, MAX_CLIENTS)
        self.refused = 0  # flights refused (for metrics and tests)

    def spend(self, known: bool, client: str | None = None) -> float:
        """0 when a flight may go now (its tokens taken), else seconds to wait."""
        floor = 0.0 if known else self._reserve
        wait = self.global_bucket.wait_s(floor=floor)
        if wait == 0.0 and not known:
            name = client or current_client.get()
            wait = self._clients.get(name, self._client_rate, self._client_burst).take()
        if wait == 0.0:
            self.global_bucket.take(floor=floor)
        else:
            self.refused += 1
        return wait
