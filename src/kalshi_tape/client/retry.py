"""The one retry policy of every HTTP GET the project sends (Kalshi and weather services).

What retries: timeouts and connection errors, 429 and 5xx; anything else raises at once.
How long to wait before retry n: a capped exponential backoff with "equal jitter" drawn
from an injected `random.Random`, or the server's `Retry-After` when that is longer
(capped, seconds or an HTTP date). Kalshi sends no `Retry-After` (kalshi-api.md §4); weather
services may. `RetryPolicy.run` is the loop; a caller supplies one attempt.
"""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TypeVar

import httpx

from kalshi_tape.client.ratelimit import Sleep
from kalshi_tape.core.clock import Clock

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Backoff:
    """Capped exponential backoff with "equal jitter": half fixed, half random."""

    base_s: float = 0.25
    cap_s: float = 8.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.cap_s, self.base_s * 2.0**attempt)
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed attempt: the error to raise, whether to retry, the server's wait."""

    error: Exception
    retry: bool
    retry_after_s: float = 0.0


def retryable_status(status: int) -> bool:
    return status == 429 or status >= 500


def transport_problem(exc: httpx.RequestError) -> str | None:
    """What went wrong on the way, when it is transient (None: an undecodable body, a
    redirect loop... retrying will not help)."""
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, httpx.TransportError):
        return f"connection failed ({type(exc).__name__})"
    return None


def retry_after_s(response: httpx.Response, clock: Clock, cap_s: float) -> float:
    """The response's `Retry-After` in seconds, within [0, cap_s] (0 when absent or bad)."""
    value = response.headers.get("retry-after", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - clock.now_ns() / 1e9
        except (TypeError, ValueError):
            return 0.0
    return 0.0 if math.isnan(seconds) else min(cap_s, max(0.0, seconds))


@dataclass(slots=True)
class RetryStats:
    """Counters of one request path: requests sent (retries included) and retries."""

    requests: int = 0
    retries: int = 0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries of transient failures, spaced by `backoff` or `Retry-After`."""

    max_retries: int = 6
    backoff: Backoff = field(default_factory=Backoff)
    retry_after_cap_s: float = 60.0

    def for_response(self, error: Exception, response: httpx.Response, clock: Clock) -> Failure:
        """The failure an HTTP error status makes: retried when 429/5xx, after its wait."""
        if not retryable_status(response.status_code):
            return Failure(error, retry=False)
        return Failure(error, True, retry_after_s(response, clock, self.retry_after_cap_s))

    def delay_s(self, attempt: int, rng: random.Random, failure: Failure) -> float:
        return max(failure.retry_after_s, self.backoff.delay(attempt, rng))

    async def run(
        self,
        attempt: Callable[[], Awaitable[T | Failure]],
        *,
        rng: random.Random,
        sleep: Sleep,
        stats: RetryStats,
    ) -> T:
        """`attempt()` (one request) until it returns a result; raise the last failure's
        error once it may not be retried or the retries are spent."""
        for number in range(self.max_retries + 1):
            stats.requests += 1
            result = await attempt()
            if not isinstance(result, Failure):
                return result
            if not result.retry or number == self.max_retries:
                raise result.error
            stats.retries += 1
            await sleep(self.delay_s(number, rng, result))
        raise AssertionError("unreachable")
