"""The access layer, as one plain ASGI middleware (cheap on the hot path):

* API keys from `X-API-Key` or `Authorization: Bearer`, required on `/v1/...` when keys
  are configured (`require_keys`); 401 with a JSON body when missing, wrong or revoked;
* a token bucket per key (the key's own rate, else the server default), or per address
  when keys are off and `address_rate_per_s` is set: 429 with `Retry-After` when exceeded;
* who the caller is (key id, else address) for the upstream budget (`budget.py`);
* Prometheus metrics per route template; a log line per request naming the key's id,
  never the key.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import msgspec
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kalshi_tape.api.budget import TokenBucket, current_client
from kalshi_tape.api.keys import Caller, KeyRegistry
from kalshi_tape.api.render import ResponseCache, cache_key
from kalshi_tape.settings.api import ApiSettings

log = logging.getLogger("kalshi_tape.api.access")
PROTECTED_PREFIX = "/v1/"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ktape_api_requests",
            "HTTP requests by route and status",
            ("route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "ktape_api_request_seconds",
            "Request latency by route",
            ("route",),
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
            registry=self.registry,
        )
        self.upstream = Gauge(
            "ktape_api_upstream_flights",
            "Fetch-through flights sent to Kalshi since start",
            registry=self.registry,
        )


class AccessMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        settings: ApiSettings,
        keys: KeyRegistry,
        metrics: Metrics,
        cache: ResponseCache,
    ) -> None:
        self.app = app
        self.settings = settings
        self.keys = keys
        self.metrics = metrics
        self.cache = cache
        self._buckets: dict[str, TokenBucket] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        caller: Caller | None = None

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            current_client.set(_address(scope))
            if scope["path"].startswith(PROTECTED_PREFIX):
                caller, refusal = await self._gate(scope)
                if refusal is not None:
                    await refusal(scope, receive, send_status)
                    return
            hit = self.cache.get(cache_key(scope)) if scope["method"] == "GET" else None
            if hit is not None:  # a rendered body, fresh: no routing, no validation
                scope["route"] = CACHED
                await _send_body(send_status, hit[0], hit[1])
                return
            await self.app(scope, receive, send_status)
        finally:
            self._record(scope, status, time.perf_counter() - started, caller)

    async def _gate(self, scope: Scope) -> tuple[Caller | None, ASGIApp | None]:
        if self.settings.require_keys:
            return await self._admit(scope)
        if self.settings.address_rate_per_s > 0:
            return None, self._limit_address(scope)
        return None, None

    def _limit_address(self, scope: Scope) -> ASGIApp | None:
        address = current_client.get()
        bucket = self._buckets.get(address)
        if bucket is None:
            if len(self._buckets) > 100_000:
                self._buckets.clear()  # a flood of addresses: start afresh, never grow
            rate, burst = self.settings.address_rate_per_s, self.settings.address_burst
            bucket = self._buckets[address] = TokenBucket(rate, burst, time.monotonic)
        wait = bucket.take()
        if wait <= 0:
            return None
        retry = str(max(1, int(wait + 0.999)))
        message = f"rate limit of {address} exceeded; retry in {retry} s"
        refusal: ASGIApp = _json(429, "rate_limited", message, {"retry-after": retry})
        return refusal

    async def _admit(self, scope: Scope) -> tuple[Caller | None, ASGIApp | None]:
        if self.keys.due():
            await asyncio.to_thread(self.keys.reload)
        key = _presented_key(scope)
        if key is None:
            return None, _json(401, "missing_api_key", "send your API key in X-API-Key")
        caller = self.keys.check(key)
        if caller is None:
            return None, _json(401, "invalid_api_key", "the API key is wrong or revoked")
        current_client.set(f"key:{caller.key_id}")
        wait = self._bucket(caller).take()
        if wait > 0:
            retry = str(max(1, int(wait + 0.999)))
            message = f"rate limit of key {caller.key_id} exceeded; retry in {retry} s"
            return caller, _json(429, "rate_limited", message, {"retry-after": retry})
        return caller, None

    def _bucket(self, caller: Caller) -> TokenBucket:
        bucket = self._buckets.get(caller.key_id)
        if bucket is None:
            rate = float(caller.rate_per_s or self.settings.key_rate_per_s)
            burst = caller.burst or self.settings.key_burst
            bucket = TokenBucket(rate, burst, time.monotonic)
            self._buckets[caller.key_id] = bucket
        return bucket

    def _record(self, scope: Scope, status: int, elapsed: float, caller: Caller | None) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        self.metrics.requests.labels(template, str(status)).inc()
        self.metrics.latency.labels(template).observe(elapsed)
        if log.isEnabledFor(logging.DEBUG):
            who = caller.key_id if caller else "-"
            log.debug(
                "%s %s %s key=%s %.1fms", scope["method"], template, status, who, elapsed * 1e3
            )


class _Cached:
    path = "cache-hit"


CACHED = _Cached()


async def _send_body(send: Send, body: bytes, headers: dict[str, str]) -> None:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return f"addr:{client[0]}" if client else "addr:-"


def _presented_key(scope: Scope) -> str | None:
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for name, value in headers:
        if name == b"x-api-key":
            return value.decode("latin-1").strip() or None
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def _json(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Any:
    body = msgspec.json.encode({"code": code, "message": message})
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    raw_headers += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]

    async def respond(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})

    return respond
