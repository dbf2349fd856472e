"""Live market-data endpoints: exchange, series, events, markets, order books, trades."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TypedDict, Unpack

from kalshi_tape import parse
from kalshi_tape.client.pagination import paginate
from kalshi_tape.client.rest_base import EndpointBase, chunks, join_tickers, segment
from kalshi_tape.core import keywords
from kalshi_tape.core.domain import (
    Event,
    ExchangeSchedule,
    ExchangeStatus,
    Market,
    Orderbook,
    Page,
    Series,
    Trade,
)

MAX_ORDERBOOK_TICKERS = 100


class EventFilters(TypedDict, total=False):
    """Keyword filters of `get_events` / `iter_events` (GET /events); limit 200 unless given."""

    series_ticker: str | None
    status: str | None
    min_close_ts: int | None
    with_nested_markets: bool
    limit: int


class MarketFilters(TypedDict, total=False):
    """Keyword filters of `get_markets` / `iter_markets`; limit 1000 unless given."""

    event_ticker: str | None
    series_ticker: str | None
    tickers: Sequence[str] | None
    status: str | None
    min_created_ts: int | None
    max_created_ts: int | None
    min_close_ts: int | None
    max_close_ts: int | None
    min_settled_ts: int | None
    max_settled_ts: int | None
    min_updated_ts: int | None
    max_updated_ts: int | None
    mve_filter: str | None
    limit: int


class TradeFilters(TypedDict, total=False):
    """Keyword filters of the trade endpoints (live and historical); limit 1000 unless given."""

    ticker: str | None
    min_ts: int | None
    max_ts: int | None
    limit: int


class MarketEndpoints(EndpointBase):
    """Raw endpoint methods (`get_*`) and their cursor iterators (`iter_*`)."""

    async def get_exchange_status(self) -> ExchangeStatus:
        return await self._get("/exchange/status", parse.parse_exchange_status)

    async def get_exchange_schedule(self) -> ExchangeSchedule:
        return await self._get("/exchange/schedule", parse.parse_exchange_schedule)

    async def get_series(self, ticker: str) -> Series:
        return await self._get(f"/series/{segment(ticker)}", parse.parse_series)

    async def get_series_list(self, category: str | None = None) -> list[Series]:
        return await self._get("/series", parse.parse_series_list, {"category": category})

    async def get_events(
        self, *, cursor: str | None = None, **filters: Unpack[EventFilters]
    ) -> Page[Event]:
        params = keywords.ordered(EventFilters, filters, "get_events", limit=200)
        params["with_nested_markets"] = params["with_nested_markets"] or None
        params["cursor"] = cursor
        return await self._get("/events", parse.parse_events_page, params)

    def iter_events(self, **filters: Unpack[EventFilters]) -> AsyncIterator[Event]:
        keywords.check(EventFilters, filters, "iter_events")
        return paginate(lambda cursor: self.get_events(**filters, cursor=cursor))

    async def get_event(self, event_ticker: str, with_nested_markets: bool = True) -> Event:
        params = {"with_nested_markets": with_nested_markets}
        return await self._get(f"/events/{segment(event_ticker)}", parse.parse_event, params)

    async def get_markets(
        self, *, cursor: str | None = None, **filters: Unpack[MarketFilters]
    ) -> Page[Market]:
        params = keywords.ordered(MarketFilters, filters, "get_markets", limit=1000)
        params["tickers"] = join_tickers(params["tickers"])
        params["cursor"] = cursor
        return await self._get("/markets", parse.parse_markets_page, params)

    def iter_markets(self, **filters: Unpack[MarketFilters]) -> AsyncIterator[Market]:
        """Every market matching `filters` (those of `get_markets`)."""
        keywords.check(MarketFilters, filters, "iter_markets")
        return paginate(lambda cursor: self.get_markets(**filters, cursor=cursor))

    async def get_market(self, ticker: str) -> Market:
        return await self._get(f"/markets/{segment(ticker)}", parse.parse_market)

    async def get_orderbook(self, ticker: str, depth: int = 0) -> Orderbook:
        body = await self._http.get(
            f"/markets/{segment(ticker)}/orderbook", {"depth": depth or None}
        )
        return parse.parse_orderbook(body, ticker)

    async def get_orderbooks(self, tickers: Sequence[str]) -> list[Orderbook]:
        """Books of many markets, 100 tickers per request."""
        books: list[Orderbook] = []
        for chunk in chunks(list(tickers), MAX_ORDERBOOK_TICKERS):
            params = {"tickers": chunk}
            books += await self._get("/markets/orderbooks", parse.parse_orderbooks, params)
        return books

    async def get_trades(
        self, *, cursor: str | None = None, **filters: Unpack[TradeFilters]
    ) -> Page[Trade]:
        return await self._trades_page("/markets/trades", filters, cursor)

    def iter_trades(self, **filters: Unpack[TradeFilters]) -> AsyncIterator[Trade]:
        return self._iter_trades("/markets/trades", filters)

    async def _trades_page(
        self, path: str, filters: TradeFilters, cursor: str | None
    ) -> Page[Trade]:
        params = keywords.ordered(TradeFilters, filters, path, limit=1000)
        params["cursor"] = cursor
        return await self._get(path, parse.parse_trades_page, params)

    def _iter_trades(self, path: str, filters: TradeFilters) -> AsyncIterator[Trade]:
        keywords.check(TradeFilters, filters, path)
        return paginate(lambda cursor: self._trades_page(path, filters, cursor))
