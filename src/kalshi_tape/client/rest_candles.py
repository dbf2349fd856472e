"""Candlestick endpoints: single market, batch (split by ticker and slot limits) and event
candlesticks (continued past `adjusted_end_ts`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, TypedDict, Unpack

from kalshi_tape import parse
from kalshi_tape.client.rest_base import EndpointBase, chunks, segment
from kalshi_tape.core import keywords
from kalshi_tape.core.domain import Candlestick, EventCandlesticks, MarketCandlesticks
from kalshi_tape.core.errors import KalshiError

MAX_BATCH_TICKERS = 100
MAX_BATCH_SLOTS = 10_000


class CandleWindow(TypedDict):
    """The span and period of every candlestick request (all three required)."""

    start_ts: int
    end_ts: int
    period_interval: int


def window_params(window: CandleWindow) -> dict[str, Any]:
    """The window as query parameters (refusing names it does not declare)."""
    return keywords.ordered(CandleWindow, window, "candlesticks")


def candle_slots(start_ts: int, end_ts: int, period_interval: int) -> int:
    """Period ends (multiples of the period) within [start_ts, end_ts]."""
    period = period_interval * 60
    return max(0, end_ts // period - (start_ts - 1) // period)


class CandleEndpoints(EndpointBase):
    """Candlestick endpoints of the live tier."""

    async def get_market_candlesticks(
        self, series_ticker: str, ticker: str, **window: Unpack[CandleWindow]
    ) -> MarketCandlesticks:
        path = f"/series/{segment(series_ticker)}/markets/{segment(ticker)}/candlesticks"
        return await self._get(path, parse.parse_market_candlesticks, window_params(window))

    async def get_batch_candlesticks(
        self, tickers: Sequence[str], **window: Unpack[CandleWindow]
    ) -> list[MarketCandlesticks]:
        """Candles of many markets; split into requests of <= 100 tickers and 10,000 slots."""
        window_query = window_params(window)
        slots = max(1, candle_slots(**window))
        per_request = max(1, min(MAX_BATCH_TICKERS, MAX_BATCH_SLOTS // slots))
        out: list[MarketCandlesticks] = []
        for chunk in chunks(list(tickers), per_request):
            params = {"market_tickers": ",".join(chunk), **window_query}
            out += await self._get("/markets/candlesticks", parse.parse_batch_candlesticks, params)
        return out

    async def get_event_candlesticks(
        self, series_ticker: str, event_ticker: str, **window: Unpack[CandleWindow]
    ) -> EventCandlesticks:
        """One request; when `adjusted_end_ts < end_ts` continue from `adjusted_end_ts`
        (or use `get_event_candlesticks_all`)."""
        path = f"/series/{segment(series_ticker)}/events/{segment(event_ticker)}/candlesticks"
        return await self._get(path, parse.parse_event_candlesticks, window_params(window))

    async def iter_event_candlesticks(
        self, series_ticker: str, event_ticker: str, **window: Unpack[CandleWindow]
    ) -> AsyncIterator[EventCandlesticks]:
        """One response per request over [start_ts, end_ts]. A response cut short says so
        in `adjusted_end_ts`; the next request starts at that value itself, which skips
        nothing whether it names the last candle served or the next one to fetch (a
        candle may come twice: deduplicate by `end_period_ts`)."""
        keywords.check(CandleWindow, window, "iter_event_candlesticks")
        start, end_ts = window["start_ts"], window["end_ts"]
        while True:
            part = await self.get_event_candlesticks(
                series_ticker, event_ticker, **(window | {"start_ts": start})
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
        self, series_ticker: str, event_ticker: str, **window: Unpack[CandleWindow]
    ) -> EventCandlesticks:
        """All candles of [start_ts, end_ts] in as many requests as the exchange needs."""
        merged: dict[str, dict[int, Candlestick]] = {}
        async for part in self.iter_event_candlesticks(series_ticker, event_ticker, **window):
            for market in part.markets:
                by_end = merged.setdefault(market.ticker, {})
                by_end.update((c.end_period_ts, c) for c in market.candlesticks)
        markets = tuple(
            MarketCandlesticks(ticker, tuple(by_end[k] for k in sorted(by_end)))
            for ticker, by_end in merged.items()
        )
        return EventCandlesticks(markets=markets, adjusted_end_ts=window["end_ts"])
