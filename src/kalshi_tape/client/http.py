"""The single request path: sign, throttle, retry, map errors.

Every REST call of `KalshiClient` goes through `HttpCore.get`, retried by the one
`RetryPolicy` (client/retry.py: 429, 5xx, timeouts and connection errors, jittered capped
backoff, Retry-After honoured); a 429 also drains the limiter. Error messages name the
request and the problem and never carry headers, keys or signatures.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from kalshi_tape.client.auth import KalshiAuth, Signer
from kalshi_tape.client.ratelimit import RateLimiter, Sleep
from kalshi_tape.client.retry import Backoff, Failure, RetryPolicy, RetryStats, transport_problem
from kalshi_tape.core.clock import Clock
from kalshi_tape.core.errors import (
    ApiError,
    AuthError,
    KalshiError,
    NotFound,
    RateLimited,
    ServerError,
    TransportError,
)
from kalshi_tape.parse import parse_error_body

USER_AGENT = "kalshi-tape/0.1"
CLOCK_SKEW_WARN_S = 30.0
Params = dict[str, Any]


@dataclass(slots=True)
class HttpStats(RetryStats):
    """Counters of one client: requests and retries, and what came back."""

    transport_errors: int = 0
    responses_by_status: dict[int, int] = field(default_factory=Counter)

    @property
    def rate_limited(self) -> int:
        return self.responses_by_status.get(429, 0)


class HttpCore:
    """An `httpx.AsyncClient` wrapped with signing, the limiter and the retry policy."""

    def __init__(
        self,
        base_url: str,
        *,
        signer: Signer | None,
        limiter: RateLimiter,
        clock: Clock,
        rng: random.Random,
        transport: httpx.AsyncBaseTransport | None = None,
        max_retries: int = 6,
        timeout: float = 15.0,
        backoff: Backoff | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=timeout,
            auth=KalshiAuth(signer) if signer else None,
            headers={"accept": "application/json", "user-agent": USER_AGENT},
        )
        self.signed = signer is not None
        self.limiter = limiter
        self.stats = HttpStats()
        self._clock = clock
        self._rng = rng
        self._retry = RetryPolicy(max_retries, backoff or Backoff())
        self._sleep = sleep

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(self, path: str, params: Params | None = None) -> bytes:
        """GET `path` (relative to the base URL) and return the 2xx body."""
        query = _clean(params)
        return await self._retry.run(
            lambda: self._attempt(path, query),
            rng=self._rng,
            sleep=self._sleep,
            stats=self.stats,
        )

    async def _attempt(self, path: str, query: Params) -> bytes | Failure:
        await self.limiter.acquire()
        try:
            response = await self._client.get(path, params=query)
        except httpx.RequestError as exc:
            problem = transport_problem(exc)
            if problem is None:  # undecodable body, redirect loop: not transient
                raise KalshiError(f"GET {path}: {type(exc).__name__}: {exc}") from None
            self.stats.transport_errors += 1
            return Failure(TransportError("GET", path, problem), retry=True)
        status = response.status_code
        self.stats.responses_by_status[status] = self.stats.responses_by_status.get(status, 0) + 1
        if 200 <= status < 300:
            return response.content
        if status == 429:
            self.limiter.drain()
        return self._retry.for_response(self._api_error(response, path), response, self._clock)

    def _api_error(self, response: httpx.Response, path: str) -> ApiError:
        status = response.status_code
        code, message = parse_error_body(response.content)
        if status in (401, 403):
            return AuthError(status, code, self._auth_hint(message, response), "GET", path)
        kind = {404: NotFound, 429: RateLimited}.get(status)
        if kind is None:
            kind = ServerError if status >= 500 else ApiError
        return kind(status, code, message or response.reason_phrase, "GET", path)

    def _auth_hint(self, message: str, response: httpx.Response) -> str:
        """Name the likely problem: no credentials, a clock off, or a key the exchange rejects."""
        if not self.signed:
            return f"{message}; no credentials set (KALSHI_API_KEY_ID, KALSHI_PRIVATE_KEY_PATH)"
        skew = _clock_skew_s(response, self._clock)
        if skew is not None and abs(skew) > CLOCK_SKEW_WARN_S:
            return f"{message}; local clock is {skew:+.0f} s off the exchange's (clock skew)"
        return f"{message}; the exchange rejected the key id or signature (wrong key?)"


def _clock_skew_s(response: httpx.Response, clock: Clock) -> float | None:
    """Local clock minus the server's `Date` header, in seconds (None without one)."""
    date = response.headers.get("date")
    if not date:
        return None
    try:
        server = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return None
    return clock.now_ns() / 1e9 - server


def _clean(params: Params | None) -> Params:
    """Drop None values and render bools as Kalshi expects (`true` / `false`)."""
    out: Params = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else value
    return out
