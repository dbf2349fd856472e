"""The `/historical` tier behind the cutoff, and routed helpers that pick the live or
historical endpoint (`GET /historical/cutoff`, cached for the client's life)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, TypedDict, Unpack

from kalshi_tape import parse
from kalshi_tape.client.pagination import paginate
from kalshi_tape.client.rest_base import join_tickers, segment
from kalshi_tape.client.rest_candles import CandleEndpoints, CandleWindow, window_params
from kalshi_tape.client.rest_markets import MarketEndpoints, TradeFilters
from kalshi_tape.core import keywords
from kalshi_tape.core.domain import HistoricalCutoff, Market, MarketCandlesticks, Page, Trade
from kalshi_tape.core.errors import NotFound


class HistoricalMarketFilters(TypedDict, total=False):
    """Keyword filters of `/historical/markets` (at most one of the first three; limit 1000
    unless given)."""

    tickers: Sequence[str] | None
    event_ticker: str | None
    series_ticker: str | None
    mve_filter: str | None
    limit: int


class HistoricalEndpoints(MarketEndpoints, CandleEndpoints):
    """Historical endpoints plus routing over both tiers."""

    _cutoff: HistoricalCutoff | None

    async def get_historical_cutoff(self, refresh: bool = False) -> HistoricalCutoff:
        if self._cutoff is None or refresh:
            self._cutoff = await self._get("/historical/cutoff", parse.parse_cutoff)
        return self._cutoff

    async def get_historical_markets(
        self, *, cursor: str | None = None, **filters: Unpack[HistoricalMarketFilters]
    ) -> Page[Market]:
        """Filters are mutually exclusive on Kalshi; pass at most one."""
        where = "get_historical_markets"
        params = keywords.ordered(HistoricalMarketFilters, filters, where, limit=1000)
        params["tickers"] = join_tickers(params["tickers"])
        params["cursor"] = cursor
        return await self._get("/historical/markets", parse.parse_markets_page, params)

    def iter_historical_markets(
        self, **filters: Unpack[HistoricalMarketFilters]
    ) -> AsyncIterator[Market]:
        keywords.check(HistoricalMarketFilters, filters, "iter_historical_markets")
        return paginate(lambda cursor: self.get_historical_markets(**filters, cursor=cursor))

    async def get_historical_market(self, ticker: str) -> Market:
        return await self._get(f"/historical/markets/{segment(ticker)}", parse.parse_market)

    async def get_historical_market_candlesticks(
        self, ticker: str, **window: Unpack[CandleWindow]
    ) -> MarketCandlesticks:
        path = f"/historical/markets/{segment(ticker)}/candlesticks"
        return await self._get(path, parse.parse_historical_candlesticks, window_params(window))

    async def get_historical_trades(
        self, *, cursor: str | None = None, **filters: Unpack[TradeFilters]
    ) -> Page[Trade]:
        return await self._trades_page("/historical/trades", filters, cursor)

    def iter_historical_trades(self, **filters: Unpack[TradeFilters]) -> AsyncIterator[Trade]:
        return self._iter_trades("/historical/trades", filters)

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
        self, ticker: str, *, series_ticker: str | None = None, **window: Unpack[CandleWindow]
    ) -> MarketCandlesticks:
        """Candles from the live endpoint, or `/historical` when the market moved there."""
        market, historical = await self.locate_market(ticker)
        if historical:
            return await self.get_historical_market_candlesticks(ticker, **window)
        if series_ticker is None:
            series_ticker = (await self.get_event(market.event_ticker, False)).series_ticker
        return await self.get_market_candlesticks(series_ticker, ticker, **window)
