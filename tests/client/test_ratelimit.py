"""The one token bucket on a ManualClock: burst, steady rate, FIFO sharing, drain on 429,
and its accounting as properties over any sequence of (time, take) calls."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_tape.client.ratelimit import BucketMap, NoLimit, TokenBucket, limiter_for_tier
from kalshi_tape.core.clock import ManualClock


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


# (seconds to advance, cost to take) steps; costs up to twice the capacity are refused
STEPS = st.lists(
    st.tuples(st.floats(0, 3, allow_nan=False), st.floats(0.1, 20, allow_nan=False)),
    min_size=1,
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(
    rate=st.floats(0.5, 50),
    capacity=st.floats(1, 10),
    floor=st.sampled_from([0.0, 2.5]),
    steps=STEPS,
)
def test_grants_stay_within_burst_plus_refill_and_are_never_withheld(
    rate: float, capacity: float, floor: float, steps: list[tuple[float, float]]
) -> None:
    clock = ManualClock()
    bucket = TokenBucket(rate, capacity, clock=clock)
    model = capacity  # the balance an ideal bucket would hold, computed independently
    granted = 0.0
    for dt, cost in steps:
        clock.advance(dt)
        model = min(capacity, model + dt * rate)
        wait = bucket.take(cost, floor)
        if wait == 0.0:
            granted += cost
            model -= cost
            assert model - floor >= -1e-6, "granted without the tokens"
        else:
            assert model - cost - floor < 1e-6, "withheld although the tokens were there"
            # the stated wait is exactly what is missing
            assert wait == pytest.approx((cost + floor - model) / rate, rel=1e-6, abs=1e-6)
        assert granted <= capacity + rate * clock.monotonic() + 1e-6


@settings(max_examples=100, deadline=None)
@given(rate=st.floats(1, 50), capacity=st.floats(10, 40), steps=STEPS)
def test_acquire_waits_exactly_for_the_missing_tokens(
    rate: float, capacity: float, steps: list[tuple[float, float]]
) -> None:
    async def run() -> None:
        bucket, clock = _bucket(rate, capacity)
        granted = 0.0
        for dt, cost in steps:
            clock.advance(dt)
            before = clock.monotonic()
            expected = bucket.wait_s(min(cost, capacity))
            await bucket.acquire(min(cost, capacity))
            granted += min(cost, capacity)
            assert clock.monotonic() - before == pytest.approx(expected, abs=1e-6)
            assert granted <= capacity + rate * clock.monotonic() + 1e-6

    asyncio.run(run())


def test_a_refused_take_costs_nothing() -> None:
    clock = ManualClock()
    bucket = TokenBucket(10, 10, clock=clock)
    assert bucket.take(10) == 0.0
    assert bucket.take(5) == pytest.approx(0.5)
    clock.advance(0.5)
    assert bucket.take(5) == 0.0  # the refusal above took nothing
    assert bucket.take(1, floor=0.5) == pytest.approx(0.15)


def test_bucket_map_keeps_one_bucket_per_key_and_drops_the_least_recently_used() -> None:
    clock = ManualClock()
    buckets = BucketMap(clock, max_keys=2)
    a = buckets.get("a", 1, 2)
    assert a.take(2) == 0.0 and buckets.get("a", 1, 2) is a  # spent, and the same bucket
    buckets.get("b", 1, 2)
    buckets.get("a", 1, 2)  # "a" used last: "b" is the oldest now
    buckets.get("c", 1, 2)
    assert len(buckets) == 2
    assert buckets.get("a", 1, 2) is a and buckets.get("a", 1, 2).take(1) > 0
    assert buckets.get("b", 1, 2).take(2) == 0.0  # "b" was dropped: made afresh, full
