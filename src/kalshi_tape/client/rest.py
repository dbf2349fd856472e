"""`KalshiClient`: one async method per market-data endpoint, plus historical routing.

Raw endpoint methods are named after the endpoint (`get_markets`); iterators
(`iter_markets`) follow cursors through the one paginator; routed helpers
(`find_market`, `iter_trades_routed`, `get_market_candlesticks_routed`) pick the live or
`/historical` endpoint by `GET /historical/cutoff` (cached for the client's life).

The endpoints live in `rest_markets`, `rest_candles` and `rest_historical` (one mixin each);
`KalshiClient` joins them over one `HttpCore`.
"""

from __future__ import annotations

import asyncio
import random

import httpx

from kalshi_tape.client.auth import Signer
from kalshi_tape.client.http import HttpCore, HttpStats
from kalshi_tape.client.ratelimit import RateLimiter, Sleep, limiter_for_tier
from kalshi_tape.client.rest_candles import MAX_BATCH_SLOTS, MAX_BATCH_TICKERS, candle_slots
from kalshi_tape.client.rest_historical import HistoricalEndpoints
from kalshi_tape.client.rest_markets import MAX_ORDERBOOK_TICKERS
from kalshi_tape.client.retry import Backoff
from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.core.closing import AsyncClosing
from kalshi_tape.core.domain import (
    HistoricalCutoff,
)
from kalshi_tape.settings.shared import Settings

__all__ = [
    "MAX_BATCH_SLOTS",
    "MAX_BATCH_TICKERS",
    "MAX_ORDERBOOK_TICKERS",
    "KalshiClient",
    "candle_slots",
]


class KalshiClient(HistoricalEndpoints, AsyncClosing):
    """Async Kalshi REST client; use as `async with KalshiClient(settings) as client:`."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_retries: int = 6,
        timeout: float = 15.0,
        backoff: Backoff | None = None,
        limiter: RateLimiter | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.clock = clock or SYSTEM_CLOCK
        self._http = HttpCore(
            settings.base_url,
            signer=Signer.from_settings(settings, self.clock),
            limiter=limiter or limiter_for_tier(settings.tier, clock=self.clock),
            clock=self.clock,
            rng=rng or random.Random(),
            transport=transport,
            max_retries=max_retries,
            timeout=timeout,
            backoff=backoff,
            sleep=sleep,
        )
        self._cutoff: HistoricalCutoff | None = None

    @property
    def stats(self) -> HttpStats:
        return self._http.stats

    @property
    def limiter(self) -> RateLimiter:
        return self._http.limiter

    async def aclose(self) -> None:
        await self._http.aclose()
