"""Token bucket on a ManualClock: burst, steady rate, FIFO sharing, drain on 429."""

from __future__ import annotations

import asyncio

import pytest

from kalshi_tape.client.ratelimit import NoLimit, TokenBucket, limiter_for_tier
from kalshi_tape.clock import ManualClock


def _bucket(rate: float, capacity: float) -> tuple[TokenBucket, ManualClock]:
    clock = ManualClock()

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)
        await asyncio.sleep(0)

    return TokenBucket(rate, capacity, clock=clock, sleep=sleep), clock


async def test_burst_then_steady_rate() -> None:
    bucket, clock = _bucket(rate=200, capacity=400)
    for _ in range(40):
        await bucket.acquire(10)
    assert clock.monotonic() == 0
    for _ in range(100):
        await bucket.acquire(10)
    assert clock.monotonic() == pytest.approx(100 * 10 / 200)


async def test_concurrent_tasks_share_one_budget() -> None:
    bucket, clock = _bucket(rate=100, capacity=10)
    await asyncio.gather(*(bucket.acquire(10) for _ in range(51)))
    # one request from the full bucket, then 50 more at 10 requests/s
    assert clock.monotonic() == pytest.approx(5.0)


async def test_drain_after_a_429_forces_a_wait() -> None:
    bucket, clock = _bucket(rate=100, capacity=100)
    bucket.drain()
    await bucket.acquire(10)
    assert clock.monotonic() == pytest.approx(0.1)


async def test_tier_table() -> None:
    basic = limiter_for_tier("basic", headroom=0.0)
    assert isinstance(basic, TokenBucket)
    assert (basic.rate, basic.capacity) == (200, 300)
    assert isinstance(limiter_for_tier("unlimited"), NoLimit)
    with pytest.raises(ValueError, match="unknown tier"):
        limiter_for_tier("gold")
    with pytest.raises(ValueError, match="exceeds"):
        await basic.acquire(1000)
