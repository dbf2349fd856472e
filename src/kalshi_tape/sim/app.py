"""The simulator as an ASGI app: REST, WebSocket and admin routes behind one middleware that
counts requests, injects faults, verifies signatures and applies the rate limit."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kalshi_tape import wire as w
from kalshi_tape.sim.admin import admin_routes
from kalshi_tape.sim.auth import AuthFailure, Verifier
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.encode import encode
from kalshi_tape.sim.rest import RestApi
from kalshi_tape.sim.state import SimState
from kalshi_tape.sim.weather import weather_routes
from kalshi_tape.sim.ws import WS_PATH

REST_PREFIX = "/trade-api/v2"
PRIVATE_PREFIXES = ("/trade-api/v2/portfolio", "/trade-api/v2/account", "/trade-api/v2/api_keys")
TICK_S = 0.02


def _error(status: int, code: str, message: str) -> bytes:
    return encode(w.WErrorResponse(error=w.WErrorDetail(code=code, message=message)))


class SimMiddleware:
    """Stats, faults, auth and rate limits for every HTTP request outside /_sim."""

    def __init__(self, app: ASGIApp, state: SimState, routes: list[Route]) -> None:
        self.app = app
        self.state = state
        self._templates = [(r.path_regex, r.path) for r in routes]
        self._route_cache: dict[str, str] = {}

    def _template(self, path: str) -> str:
        found = self._route_cache.get(path)
        if found is None:
            found = next((t for rx, t in self._templates if rx.match(path)), "unmatched")
            if len(self._route_cache) < 50_000:
                self._route_cache[path] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sim"):
            await self.app(scope, receive, send)
            return
        state = self.state
        stats = state.stats
        path: str = scope["path"]
        stats.requests_total += 1
        stats.requests_by_route[self._template(path)] += 1

        async def send_counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                stats.responses_by_status[str(message["status"])] += 1
            await send(message)

        latency = state.faults.latency_s()
        if latency > 0:
            await asyncio.sleep(latency)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        client = scope.get("client")
        bucket = client[0] if client else "anonymous"
        verifier = state.verifier
        if verifier.enabled and (Verifier.present(headers) or path.startswith(PRIVATE_PREFIXES)):
            try:
                bucket = verifier.verify(headers, scope["method"], path, state.now_ms())
            except AuthFailure as exc:
                await _send(send_counted, 401, _error(401, "authentication_error", str(exc)))
                return
        if not state.limiter.allow(bucket):
            await _send(send_counted, 429, b'{"error":"too many requests"}')
            return
        if state.faults.http_5xx():
            await _send(
                send_counted, 500, _error(500, "internal_server_error", "internal server error")
            )
            return
        await self.app(scope, receive, send_counted)


async def _send(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http":
        await _send(send, 404, _error(404, "not_found", "not found"))


def create_app(config: SimConfig, state: SimState | None = None) -> Starlette:
    """The simulator's ASGI app; `app.state.sim` is the SimState."""
    state = state or SimState(config)
    rest_routes = RestApi(state.exchange).routes()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_ticker(state))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await state.hub.close_all()

    routes: list[Any] = [
        *rest_routes,
        *admin_routes(state),
        *weather_routes(config.seed, state.exchange.clock),
        WebSocketRoute(WS_PATH, state.hub.endpoint),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.router.default = _not_found
    app.state.sim = state
    app.add_middleware(SimMiddleware, state=state, routes=rest_routes)
    return app


async def _ticker(state: SimState) -> None:
    """Advance the exchange on the market clock and push changes to subscribers."""
    while True:
        await asyncio.sleep(TICK_S)
        state.exchange.sync()
