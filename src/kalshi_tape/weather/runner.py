"""Library entry points behind `ktape weather`: open the store and the HTTP path from the
settings, run a fetch or a settlement check."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from kalshi_tape.client import KalshiClient
from kalshi_tape.client.discover import Selection, resolve_targets
from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.core.errors import KtapeError
from kalshi_tape.settings.shared import Settings
from kalshi_tape.settings.weather import WeatherModel
from kalshi_tape.storage import Store, open_existing, open_store
from kalshi_tape.weather.fetchers import Endpoints
from kalshi_tape.weather.http import ResponseCache, WeatherHttp
from kalshi_tape.weather.pipeline import FetchPlan, FetchReport, ProgressCallback, fetch_weather
from kalshi_tape.weather.settle import SettleReport, check_settlements


def endpoints(settings: Settings) -> Endpoints:
    return Endpoints(
        iem=settings.iem_url,
        awc=settings.awc_url,
        nws=settings.nws_url,
        visual_crossing=settings.visual_crossing_url,
        visual_crossing_key=settings.visual_crossing_key,
    )


def run_fetch(
    settings: Settings,
    plan: FetchPlan,
    options: WeatherModel | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
    rates: dict[str, float] | None = None,
    on_progress: ProgressCallback | None = None,
) -> FetchReport:
    """Fetch `plan` into the warehouse at `settings.db_url`; `options` are the `weather:`
    settings (request rate, timeout, retries, response cache)."""
    options = options or WeatherModel()

    async def go(store: Store) -> FetchReport:
        cache = ResponseCache(options.cache_dir, clock) if options.cache_dir else None
        async with WeatherHttp(
            clock=clock,
            cache=cache,
            rates=rates,
            default_rate=options.rate_per_s,
            max_retries=options.max_retries,
            timeout_s=options.timeout_s,
        ) as http:
            return await fetch_weather(
                http, store, endpoints(settings), plan, clock=clock, on_progress=on_progress
            )

    with open_store(settings.db_url, clock=clock) as store:
        return asyncio.run(go(store))


async def store_settled_markets(
    client: KalshiClient, store: Store, series: str, start: date, end: date
) -> int:
    """Series, events and markets of the range from the exchange into the warehouse."""
    cutoff = await client.get_historical_cutoff()
    selection = Selection(series=(series,), start=start, end=end)
    targets = await resolve_targets(client, selection, cutoff.market_settled_ts)
    return store.commit_chunk(series=targets.series, events=targets.events, markets=targets.markets)


def run_settle_check(
    settings: Settings, series: str, start: date, end: date, *, fetch_markets: bool = False
) -> SettleReport:
    """Check the settled markets of `series` in [start, end] against the stored CLI.
    Without `fetch_markets` it only reads: the warehouse must exist (nothing is created)."""
    opener = open_store if fetch_markets else open_existing
    with opener(settings.db_url) as store:
        if fetch_markets:

            async def go() -> None:
                async with KalshiClient(settings) as client:
                    await store_settled_markets(client, store, series, start, end)

            try:
                asyncio.run(go())
            except KtapeError as exc:
                raise KtapeError(f"cannot fetch markets from {settings.base_url}: {exc}") from None
        return check_settlements(store, series, start, end)


def utc_now(clock: Clock = SYSTEM_CLOCK) -> datetime:
    return datetime.fromtimestamp(clock.now_ns() / 1e9, UTC)
