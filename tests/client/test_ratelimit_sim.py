"""The shared limiter saturates the `basic` budget of the simulator without a 429
(the full 2,000-request run is benchmarks/bench_client.py)."""

from __future__ import annotations

import asyncio
import random

from kalshi_tape.client import KalshiClient
from kalshi_tape.client.ratelimit import REQUEST_COST, TIER_BUDGETS, TokenBucket
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer


async def _hammer(client: KalshiClient, requests: int, workers: int) -> None:
    queue = iter(range(requests))

    async def worker() -> None:
        for _ in queue:
            await client.get_exchange_status()

    await asyncio.gather(*(worker() for _ in range(workers)))


async def test_concurrent_requests_use_the_basic_budget_without_429() -> None:
    budget = TIER_BUDGETS["basic"]
    assert budget is not None
    requests = 200
    with SimServer(SimConfig(seed=1, tier="basic")) as sim:
        settings = Settings(base_url=sim.base_url, tier="basic")
        async with KalshiClient(settings, rng=random.Random(2)) as client:
            await _hammer(client, requests, workers=16)
            stats, limiter = client.stats, client.limiter
    assert stats.responses_by_status == {200: requests}
    assert stats.retries == 0
    # On the limiter's own account, not the wall clock: the waits it imposed are the least
    # time the run could take (a loaded machine only adds time, which shortens later waits).
    # A limiter holding back more than the budget needs waits longer and uses less of it.
    assert isinstance(limiter, TokenBucket) and limiter.waited_s > 0
    used = requests * REQUEST_COST / (budget.capacity + budget.rate * limiter.waited_s)
    assert used >= 0.90, f"used {used:.1%} of the budget in {limiter.waited_s:.1f} s of waits"


async def test_a_client_over_its_budget_backs_off_on_429_and_completes() -> None:
    with SimServer(SimConfig(seed=1, tier="basic")) as sim:
        settings = Settings(base_url=sim.base_url, tier="prestige")  # claims far too much
        async with KalshiClient(settings, rng=random.Random(3)) as client:
            await _hammer(client, 80, workers=8)
            stats = client.stats
    assert stats.responses_by_status[200] == 80
    assert stats.rate_limited > 0
    assert stats.retries == stats.rate_limited
