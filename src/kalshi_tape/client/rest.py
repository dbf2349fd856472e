"""`KalshiClient`: one async method per market-data endpoint, plus historical routing.

Raw endpoint methods are named after the endpoint (`get_markets`); iterators
(`iter_markets`) follow cursors through the one paginator; routed helpers
(`find_market`, `iter_trades_routed`, `get_market_candlesticks_routed`) pick the live or
`/historical` endpoint by `GET /historical/cutoff` (cached for the client's life).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable, Sequence
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from kalshi_tape import parse
from kalshi_tape.client.auth import Signer
from kalshi_tape.client.http import Backoff, HttpCore, HttpStats, Params
from kalshi_tape.client.pagination import paginate
from kalshi_tape.client.ratelimit import RateLimiter, limiter_for_tier
from kalshi_tape.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.config import Settings
from kalshi_tape.domain import (
    Candlestick,
    Event,
    EventCandlesticks,
    ExchangeSchedule,
    ExchangeStatus,
    HistoricalCutoff,
    Market,
    MarketCandlesticks,
    Orderbook,
    Page,
    Series,
    Trade,
)
from kalshi_tape.errors import KalshiError, NotFound

T = TypeVar("T")

MAX_ORDERBOOK_TICKERS = 100
MAX_BATCH_TICKERS = 100
MAX_BATCH_SLOTS = 10_000


def _seg(value: str) -> str:
    """One URL path segment: a ticker can never change which endpoint is asked."""
    return quote(value, safe="")


def _join(tickers: Sequence[str] | None) -> str | None:
    return ",".join(tickers) if tickers else None


def candle_slots(start_ts: int, end_ts: int, period_interval: int) -> int:
    """Period ends (multiples of the period) within [start_ts, end_ts]."""
    period = period_interval * 60
    return max(0, end_ts // period - (start_ts - 1) // period)


class KalshiClient:
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
        )
        self._cutoff: HistoricalCutoff | None = None

    @property
    def stats(self) -> HttpStats:
        return self._http.stats

    @property
    def limiter(self) -> RateLimiter:
        return self._http.limiter

    async def __aenter__(self) -> KalshiClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _get(
        self, path: str, parser: Callable[[bytes], T], params: Params | None = None
    ) -> T:
        return parser(await self._http.get(path, params))

    # ------------------------------------------------------------------ exchange, series

    async def get_exchange_status(self) -> ExchangeStatus:
        return await self._get("/exchange/status", parse.parse_exchange_status)

    async def get_exchange_schedule(self) -> ExchangeSchedule:
        return await self._get("/exchange/schedule", parse.parse_exchange_schedule)

    async def get_series(self, ticker: str) -> Series:
        return await self._get(f"/series/{_seg(ticker)}", parse.parse_series)

    async def get_series_list(self, category: str | None = None) -> list[Series]:
        return await self._get("/series", parse.parse_series_list, {"category": category})

    # ------------------------------------------------------------------ events

    async def get_events(
        self,
        *,
        series_ticker: str | None = None,
        status: str | None = None,
        min_close_ts: int | None = None,
        with_nested_markets: bool = False,
        limit: int = 200,
        cursor: str | None = None,
    ) -> Page[Event]:
        params = {
            "series_ticker": series_ticker,
            "status": status,
            "min_close_ts": min_close_ts,
            "with_nested_markets": with_nested_markets or None,
            "limit": limit,
            "cursor": cursor,
        }
        return await self._get("/events", parse.parse_events_page, params)

    def iter_events(
        self,
        *,
        series_ticker: str | None = None,
        status: str | None = None,
        min_close_ts: int | None = None,
        with_nested_markets: bool = False,
        limit: int = 200,
    ) -> AsyncIterator[Event]:
        async def fetch(cursor: str | None) -> Page[Event]:
            return await self.get_events(
                series_ticker=series_ticker,
                status=status,
                min_close_ts=min_close_ts,
                with_nested_markets=with_nested_markets,
                limit=limit,
                cursor=cursor,
            )

        return paginate(fetch)

    async def get_event(self, event_ticker: str, with_nested_markets: bool = True) -> Event:
        params = {"with_nested_markets": with_nested_markets}
        return await self._get(f"/events/{_seg(event_ticker)}", parse.parse_event, params)

    # ------------------------------------------------------------------ markets

    async def get_markets(
        self,
        *,
        event_ticker: str | None = None,
        series_ticker: str | None = None,
        tickers: Sequence[str] | None = None,
        status: str | None = None,
        min_created_ts: int | None = None,
        max_created_ts: int | None = None,
        min_close_ts: int | None = None,
        max_close_ts: int | None = None,
        min_settled_ts: int | None = None,
        max_settled_ts: int | None = None,
        min_updated_ts: int | None = None,
        max_updated_ts: int | None = None,
        mve_filter: str | None = None,
        limit: int = 1000,
        cursor: str | None = None,
    ) -> Page[Market]:
        params = {
            "event_ticker": event_ticker,
            "series_ticker": series_ticker,
            "tickers": _join(tickers),
            "status": status,
            "min_created_ts": min_created_ts,
            "max_created_ts": max_created_ts,
            "min_close_ts": min_close_ts,
            "max_close_ts": max_close_ts,
            "min_settled_ts": min_settled_ts,
            "max_settled_ts": max_settled_ts,
            "min_updated_ts": min_updated_ts,
            "max_updated_ts": max_updated_ts,
            "mve_filter": mve_filter,
            "limit": limit,
            "cursor": cursor,
        }
        return await self._get("/markets", parse.parse_markets_page, params)

    def iter_markets(self, **filters: Any) -> AsyncIterator[Market]:
        """Every market matching `filters` (the keyword arguments of `get_markets`)."""

        async def fetch(cursor: str | None) -> Page[Market]:
            return await self.get_markets(**filters, cursor=cursor)

        return paginate(fetch)

    async def get_market(self, ticker: str) -> Market:
        return await self._get(f"/markets/{_seg(ticker)}", parse.parse_market)

    async def get_orderbook(self, ticker: str, depth: int = 0) -> Orderbook:
        body = await self._http.get(f"/markets/{_seg(ticker)}/orderbook", {"depth": depth or None})
        return parse.parse_orderbook(body, ticker)

    async def get_orderbooks(self, tickers: Sequence[str]) -> list[Orderbook]:
        """Books of many markets, 100 tickers per request."""
        books: list[Orderbook] = []
        for chunk in _chunks(list(tickers), MAX_ORDERBOOK_TICKERS):
            params = {"tickers": chunk}
            books += await self._get("/markets/orderbooks", parse.parse_orderbooks, params)
        return books

    # ------------------------------------------------------------------ trades

    async def get_trades(
        self,
        *,
        ticker: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        limit: int = 1000,
        cursor: str | None = None,
    ) -> Page[Trade]:
        return await self._trades_page("/markets/trades", ticker, min_ts, max_ts, limit, cursor)

    def iter_trades(
        self,
        *,
        ticker: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        limit: int = 1000,
    ) -> AsyncIterator[Trade]:
        return self._iter_trades("/markets/trades", ticker, min_ts, max_ts, limit)

    async def _trades_page(
        self,
        path: str,
        ticker: str | None,
        min_ts: int | None,
        max_ts: int | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Trade]:
        params = {"ticker": ticker, "min_ts": min_ts, "max_ts": max_ts, "limit": limit}
        params["cursor"] = cursor
        return await self._get(path, parse.parse_trades_page, params)

    def _iter_trades(
        self, path: str, ticker: str | None, min_ts: int | None, max_ts: int | None, limit: int
    ) -> AsyncIterator[Trade]:
        async def fetch(cursor: str | None) -> Page[Trade]:
            return await self._trades_page(path, ticker, min_ts, max_ts, limit, cursor)

        return paginate(fetch)

    # ------------------------------------------------------------------ candlesticks

    async def get_market_candlesticks(
        self,
        series_ticker: str,
        ticker: str,
        *,
        start_ts: int,
        end_ts: int,
        period_interval: int,
    ) -> MarketCandlesticks:
        path = f"/series/{_seg(series_ticker)}/markets/{_seg(ticker)}/candlesticks"
        params = {"start_ts": start_ts, "end_ts": end_ts, "period_interval": period_interval}
        return await self._get(path, parse.parse_market_candlesticks, params)

    async def get_batch_candlesticks(
        self,
        tickers: Sequence[str],
        *,
        start_ts: int,
        end_ts: int,
        period_interval: int,
    ) -> list[MarketCandlesticks]:
        """Candles of many markets; split into requests of <= 100 tickers and 10,000 slots."""
        slots = max(1, candle_slots(start_ts, end_ts, period_interval))
        per_request = max(1, min(MAX_BATCH_TICKERS, MAX_BATCH_SLOTS // slots))
        out: list[MarketCandlesticks] = []
        for chunk in _chunks(list(tickers), per_request):
            params = {
                "market_tickers": ",".join(chunk),
                "start_ts": start_ts,
                "end_ts": end_ts,
                "period_interval": period_interval,
            }
            out += await self._get("/markets/candlesticks", parse.parse_batch_candlesticks, params)
        return out

    async def get_event_candlesticks(
        self,
        series_ticker: str,
        event_ticker: str,
        *,
        start_ts: int,
        end_ts: int,
        period_interval: int,
    ) -> EventCandlesticks:
        """One request; when `adjusted_end_ts < end_ts` continue from `adjusted_end_ts`
        (or use `get_event_candlesticks_all`)."""
        path = f"/series/{_seg(series_ticker)}/events/{_seg(event_ticker)}/candlesticks"
        params = {"start_ts": start_ts, "end_ts": end_ts, "period_interval": period_interval}
        return await self._get(path, parse.parse_event_candlesticks, params)

    async def iter_event_candlesticks(
        self,
        series_ticker: str,
        event_ticker: str,
        *,
        start_ts: int,
        end_ts: int,
        period_interval: int,
    ) -> AsyncIterator[EventCandlesticks]:
        """One response per request over [start_ts, end_ts]. A response cut short says so
        in `adjusted_end_ts`; the next request starts at that value itself, which skips
        nothing whether it names the last candle served or the next one to fetch (a
        candle may come twice: deduplicate by `end_period_ts`)."""
        start = start_ts
        while True:
            part = await self.get_event_candlesticks(
                series_ticker,
                event_ticker,
                start_ts=start,
                end_ts=end_ts,
                period_interval=period_interval,
            )
            yield part
            reached = part.adjusted_end_ts
            if reached is None or reached >= end_ts:
                return
            if reached <= start:  # cut short without progress: never pretend it is complete
                raise KalshiError(
                    f"event candlesticks of {event_ticker}: the exchange cut [{start}, {end_ts}]"
                    f" short at {reached} without progress"
                )
            start = reached

    async def get_event_candlesticks_all(
        self,
        series_ticker: str,
        event_ticker: str,
        *,
        start_ts: int,
        end_ts: int,
        period_interval: int,
    ) -> EventCandlesticks:
        """All candles of [start_ts, end_ts] in as many requests as the exchange needs."""
        merged: dict[str, dict[int, Candlestick]] = {}
        async for part in self.iter_event_candlesticks(
            series_ticker,
            event_ticker,
            start_ts=start_ts,
            end_ts=end_ts,
            period_interval=period_interval,
        ):
            for market in part.markets:
                by_end = merged.setdefault(market.ticker, {})
                by_end.update((c.end_period_ts, c) for c in market.candlesticks)
        markets = tuple(
            MarketCandlesticks(ticker, tuple(by_end[k] for k in sorted(by_end)))
            for ticker, by_end in merged.items()
        )
        return EventCandlesticks(markets=markets, adjusted_end_ts=end_ts)

    # ------------------------------------------------------------------ historical tier

    async def get_historical_cutoff(self, refresh: bool = False) -> HistoricalCutoff:
        if self._cutoff is None or refresh:
            self._cutoff = await self._get("/historical/cutoff", parse.parse_cutoff)
        return self._cutoff

    async def get_historical_markets(
        self,
        *,
        tickers: Sequence[str] | None = None,
        event_ticker: str | None = None,
        series_ticker: str | None = None,
        mve_filter: str | None = None,
        limit: int = 1000,
        cursor: str | None = None,
    ) -> Page[Market]:
        """Filters are mutually exclusive on Kalshi; pass at most one."""
        params = {
            "tickers": _join(tickers),
            "event_ticker": event_ticker,
            "series_ticker": series_ticker,
            "mve_filter": mve_filter,
            "limit": limit,
            "cursor": cursor,
        }
        return await self._get("/historical/markets", parse.parse_markets_page, params)

    def iter_historical_markets(self, **filters: Any) -> AsyncIterator[Market]:
        async def fetch(cursor: str | None) -> Page[Market]:
            return await self.get_historical_markets(**filters, cursor=cursor)

        return paginate(fetch)

    async def get_historical_market(self, ticker: str) -> Market:
        return await self._get(f"/historical/markets/{_seg(ticker)}", parse.parse_market)

    async def get_historical_market_candlesticks(
        self, ticker: str, *, start_ts: int, end_ts: int, period_interval: int
    ) -> MarketCandlesticks:
        path = f"/historical/markets/{_seg(ticker)}/candlesticks"
        params = {"start_ts": start_ts, "end_ts": end_ts, "period_interval": period_interval}
        return await self._get(path, parse.parse_historical_candlesticks, params)

    async def get_historical_trades(
        self,
        *,
        ticker: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        limit: int = 1000,
        cursor: str | None = None,
    ) -> Page[Trade]:
        return await self._trades_page("/historical/trades", ticker, min_ts, max_ts, limit, cursor)

    def iter_historical_trades(
        self,
        *,
        ticker: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        limit: int = 1000,
    ) -> AsyncIterator[Trade]:
        return self._iter_trades("/historical/trades", ticker, min_ts, max_ts, limit)

    # ------------------------------------------------------------------ routed helpers

    async def locate_market(self, ticker: str) -> tuple[Market, bool]:
        """(market, is_historical): the live endpoint first, else `/historical`."""
        try:
            return await self.get_market(ticker), False
        except NotFound:
            return await self.get_historical_market(ticker), True

    async def find_market(self, ticker: str) -> Market:
        """The market from the live tier, else the historical one (NotFound if neither)."""
        return (await self.locate_market(ticker))[0]

    async def iter_markets_routed(
        self,
        *,
        event_ticker: str | None = None,
        series_ticker: str | None = None,
        tickers: Sequence[str] | None = None,
    ) -> AsyncIterator[Market]:
        """Markets from the live tier, then those moved behind the cutoff; each once."""
        filters: dict[str, Any] = {
            "event_ticker": event_ticker,
            "series_ticker": series_ticker,
            "tickers": tickers,
        }
        seen: set[str] = set()
        async for market in self.iter_markets(**filters):
            seen.add(market.ticker)
            yield market
        async for market in self.iter_historical_markets(**filters):
            if market.ticker not in seen:
                seen.add(market.ticker)
                yield market

    async def iter_trades_routed(
        self, ticker: str, *, min_ts: int | None = None, max_ts: int | None = None
    ) -> AsyncIterator[Trade]:
        """Trades of `ticker` in [min_ts, max_ts], newest first, each exactly once.

        Trades created at or after the cutoff come from `/markets/trades`, older ones from
        `/historical/trades`. Live first: a trade moved behind an advancing cutoff while we
        page is then still met in the historical pass; ids already yielded are skipped.
        """
        cutoff_s = (await self.get_historical_cutoff()).trades_created_ts.timestamp()
        seen: set[str] = set()
        # One second of margin on each side: Kalshi's bounds are whole seconds.
        if max_ts is None or max_ts + 1 >= cutoff_s:
            async for trade in self.iter_trades(ticker=ticker, min_ts=min_ts, max_ts=max_ts):
                seen.add(trade.trade_id)
                yield trade
        if min_ts is None or min_ts - 1 <= cutoff_s:
            async for trade in self.iter_historical_trades(
                ticker=ticker, min_ts=min_ts, max_ts=max_ts
            ):
                if trade.trade_id not in seen:
                    seen.add(trade.trade_id)
                    yield trade

    async def get_market_candlesticks_routed(
        self,
        ticker: str,
        *,
        start_ts: int,
        end_ts: int,
        period_interval: int,
        series_ticker: str | None = None,
    ) -> MarketCandlesticks:
        """Candles from the live endpoint, or `/historical` when the market moved there."""
        market, historical = await self.locate_market(ticker)
        if historical:
            return await self.get_historical_market_candlesticks(
                ticker, start_ts=start_ts, end_ts=end_ts, period_interval=period_interval
            )
        if series_ticker is None:
            series_ticker = (await self.get_event(market.event_ticker, False)).series_ticker
        return await self.get_market_candlesticks(
            series_ticker,
            ticker,
            start_ts=start_ts,
            end_ts=end_ts,
            period_interval=period_interval,
        )


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
