"""The one polite HTTP path to every weather service.

`WeatherHttp.get(url, params)`: a User-Agent naming the project, a token bucket per host
(IEM asks for about 1 request/s), the client's one retry policy (client/retry.py: 429, 5xx,
timeouts; jittered backoff; Retry-After honoured), and an optional on-disk cache for
responses that can no longer change. The cache's file calls run in a worker thread, never
on the event loop. (hishel would store each request's URL, secrets included, and has no
per-call lifetime.) Secrets in query strings (Visual Crossing's `key`) never reach error
messages or cache metadata.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from kalshi_tape import __version__
from kalshi_tape.client.ratelimit import Sleep, TokenBucket
from kalshi_tape.client.retry import Backoff, Failure, RetryPolicy, RetryStats, transport_problem
from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.weather.errors import WeatherServiceError, WeatherTransportError

DEFAULT_USER_AGENT = f"kalshi-tape/{__version__} (weather)"
# Requests per second per host; hosts not listed get DEFAULT_RATE.
HOST_RATES: dict[str, float] = {
    "mesonet.agron.iastate.edu": 1.0,  # 1-second per-IP throttle (weather.md §3.3)
    "aviationweather.gov": 1.5,  # ~100 requests/min
    "api.weather.gov": 2.0,
    "weather.visualcrossing.com": 2.0,
}
DEFAULT_RATE = 5.0
SECRET_PARAMS = ("key", "apikey", "api_key", "token")
Params = Mapping[str, Any]


@dataclass(slots=True)
class WeatherHttpStats(RetryStats):
    cache_hits: int = 0
    by_host: dict[str, int] = field(default_factory=dict)


def shown_url(url: str, params: Params | None = None) -> str:
    """The URL with its query, secrets replaced by ***."""
    query = {k: ("***" if k.lower() in SECRET_PARAMS else v) for k, v in (params or {}).items()}
    return f"{url}?{urlencode(query, doseq=True)}" if query else url


class ResponseCache:
    """Bodies on disk, keyed by URL and parameters; an entry lives `ttl_s` seconds."""

    def __init__(self, directory: Path, clock: Clock = SYSTEM_CLOCK) -> None:
        self.directory = directory
        self._clock = clock

    def _path(self, url: str, params: Params | None) -> Path:
        key = json.dumps([url, sorted((params or {}).items())], default=str)
        return self.directory / hashlib.sha256(key.encode()).hexdigest()[:40]

    def get(self, url: str, params: Params | None, ttl_s: float) -> bytes | None:
        path = self._path(url, params)
        meta = path.with_suffix(".json")
        try:
            stored = json.loads(meta.read_text())
            age_s = self._clock.now_ns() / 1e9 - float(stored["fetched_at"])
            return path.with_suffix(".body").read_bytes() if 0 <= age_s <= ttl_s else None
        except (OSError, ValueError, KeyError):
            return None

    def put(self, url: str, params: Params | None, body: bytes) -> None:
        path = self._path(url, params)
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(body)
        tmp.replace(path.with_suffix(".body"))
        meta = {"url": shown_url(url, params), "fetched_at": self._clock.now_ns() / 1e9}
        path.with_suffix(".json").write_text(json.dumps(meta))


class WeatherHttp:
    """GET with politeness; `async with WeatherHttp(...) as http: await http.get(...)`."""

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        clock: Clock = SYSTEM_CLOCK,
        rng: random.Random | None = None,
        cache: ResponseCache | None = None,
        rates: Mapping[str, float] | None = None,
        default_rate: float = DEFAULT_RATE,
        max_retries: int = 4,
        timeout_s: float = 30.0,
        backoff: Backoff | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._client = httpx.AsyncClient(
            timeout=timeout_s,
            transport=transport,
            headers={"user-agent": user_agent, "accept": "*/*"},
            follow_redirects=True,
        )
        self._clock = clock
        self._rng = rng or random.Random(0)
        self.cache = cache
        self._rates = {**HOST_RATES, **(rates or {})}
        self._default_rate = default_rate
        self._buckets: dict[str, TokenBucket] = {}
        self._retry = RetryPolicy(max_retries, backoff or Backoff(base_s=1.0, cap_s=30.0))
        self._sleep = sleep
        self.stats = WeatherHttpStats()

    async def __aenter__(self) -> WeatherHttp:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def _bucket(self, host: str) -> TokenBucket:
        bucket = self._buckets.get(host)
        if bucket is None:
            rate = self._rates.get(host, self._default_rate)
            # Rate limits run on real time whatever the injected clock says.
            bucket = self._buckets[host] = TokenBucket(rate, 1.0, clock=SYSTEM_CLOCK)
        return bucket

    async def get(self, url: str, params: Params | None = None, *, cache_ttl_s: float = 0) -> bytes:
        """The 2xx body of GET url?params; cached for `cache_ttl_s` seconds when > 0."""
        cache = self.cache if cache_ttl_s > 0 else None
        if cache is not None:
            cached = await asyncio.to_thread(cache.get, url, params, cache_ttl_s)
            if cached is not None:
                self.stats.cache_hits += 1
                return cached
        body = await self._retry.run(
            lambda: self._attempt(url, params),
            rng=self._rng,
            sleep=self._sleep,
            stats=self.stats,
        )
        if cache is not None:
            await asyncio.to_thread(cache.put, url, params, body)
        return body

    async def _attempt(self, url: str, params: Params | None) -> bytes | Failure:
        host = urlsplit(url).netloc
        await self._bucket(host).acquire(1.0)
        self.stats.by_host[host] = self.stats.by_host.get(host, 0) + 1
        shown = shown_url(url, params)
        try:
            response = await self._client.get(url, params=dict(params or {}))
        except httpx.RequestError as exc:
            problem = transport_problem(exc)
            detail = problem or f"request failed ({type(exc).__name__})"  # no text: secrets
            return Failure(WeatherTransportError(shown, detail), retry=problem is not None)
        if 200 <= response.status_code < 300:
            return response.content
        error = WeatherServiceError(response.status_code, shown, _detail(response))
        return self._retry.for_response(error, response, self._clock)


def _detail(response: httpx.Response) -> str:
    """A short, single-line excerpt of an error body (IEM answers errors in plain text)."""
    text = response.content[:300].decode("utf-8", "replace")
    if "<html" in text.lower():
        return "HTML error page"
    return " ".join(text.split())[:160]
