"""`create_app(settings)`: the FastAPI application behind `ktape serve`.

    app = create_app(load_api_settings())          # opens the warehouse, a Kalshi client
    app = create_app(settings, store=store, client=client, clock=clock)   # tests

What the app opens itself it closes on shutdown. One `KalshiClient` serves every
fetch-through of the process, so its rate budget is shared with nothing else.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from kalshi_tape import __version__
from kalshi_tape.api.access import AccessMiddleware, Metrics
from kalshi_tape.api.candles import CandleService
from kalshi_tape.api.errors import install_error_handlers
from kalshi_tape.api.keys import KeyRegistry
from kalshi_tape.api.keystore import open_key_table
from kalshi_tape.api.render import ResponseCache
from kalshi_tape.api.services import Services
from kalshi_tape.api.upstream import Upstream
from kalshi_tape.api.warm import warm_cache
from kalshi_tape.client import KalshiClient
from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.settings.api import ApiSettings
from kalshi_tape.settings.entry import load_api_settings
from kalshi_tape.storage import Store, open_store

SETTINGS_ENV = "KTAPE_API_SETTINGS_JSON"  # how `ktape serve --workers N` passes settings on

DESCRIPTION = """Candles for any Kalshi market (ours, else Kalshi's event candlesticks,
fetched through and cached), the warehouse's series, events, markets, trades, order books
and weather. Errors are JSON `{"code", "message"}`."""


def create_app(
    settings: ApiSettings | None = None,
    *,
    store: Store | None = None,
    client: KalshiClient | None = None,
    clock: Clock | None = None,
    warm: bool = False,
) -> FastAPI:
    """The app; `warm` also runs the cache-warming job in the background (`--warm`)."""
    settings = settings or load_api_settings()
    svc, upstream = _services(settings, store, client, clock or SYSTEM_CLOCK)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        job = asyncio.create_task(warm_cache(upstream)) if warm and upstream else None
        yield
        if job is not None:
            job.cancel()
            await asyncio.gather(job, return_exceptions=True)
        await _close(svc)

    app = FastAPI(
        title="kalshi-tape API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.services = svc
    install_error_handlers(app)
    _include_routes(app)
    _add_middleware(app, svc)
    return app


def _services(
    settings: ApiSettings, store: Store | None, client: KalshiClient | None, clock: Clock
) -> tuple[Services, Upstream | None]:
    """What the routes share; the store, client and key table it opens are its to close."""
    owned: list[object] = []
    if store is None:
        store = open_store(settings.db_url)
        owned.append(store)
    if client is None and settings.fetch_through:
        client = KalshiClient(
            settings.kalshi, clock=clock, max_retries=2, timeout=settings.upstream_timeout_s
        )
        owned.append(client)
    upstream = Upstream(client, store, clock) if client is not None else None
    key_table, own_keys = open_key_table(settings.db_url, store)
    if own_keys:
        owned.append(key_table)
    svc = Services(
        settings=settings,
        store=store,
        client=client,
        candles=CandleService(store, upstream, settings, clock),
        keys=KeyRegistry(key_table, clock),
        metrics=Metrics(),
        cache=ResponseCache(settings.response_cache_ttl_s, settings.response_cache_mb << 20, clock),
        clock=clock,
        owned=owned,
    )
    return svc, upstream


def _add_middleware(app: FastAPI, svc: Services) -> None:
    settings = svc.settings
    app.add_middleware(AccessMiddleware, services=svc)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET"],
            allow_headers=["X-API-Key", "Authorization"],
            expose_headers=["X-Candle-Source", "X-Candle-Complete", "X-Candle-Stale"],
        )


def _include_routes(app: FastAPI) -> None:
    from kalshi_tape.api.routes import candles, catalog, markets, system, weather

    for module in (candles, catalog, markets, weather, system):
        app.include_router(module.router)


async def _close(svc: Services) -> None:
    await svc.candles.shared.aclose()
    for thing in svc.owned:
        if isinstance(thing, KalshiClient):
            await thing.aclose()
        else:
            thing.close()  # type: ignore[attr-defined]


def app_from_env() -> FastAPI:
    """The app factory uvicorn workers call (`ktape serve --workers N`)."""
    from kalshi_tape.observability import install_redaction

    install_redaction()
    raw = os.environ.get(SETTINGS_ENV)
    if not raw:
        return create_app()
    from kalshi_tape.settings.api import settings_from_json

    return create_app(settings_from_json(raw))
