"""Candlestick structs: quote and price distributions, single, batch and event responses."""

from __future__ import annotations

from kalshi_tape.wire.common import CentsOrDollars, CountOrFp, Wire


class WQuoteDist(Wire):
    """yes_bid / yes_ask OHLC: `*_dollars` (live), unsuffixed cents (era A/B) or strings
    (historical)."""

    open_dollars: str | None = None
    high_dollars: str | None = None
    low_dollars: str | None = None
    close_dollars: str | None = None
    open: CentsOrDollars | None = None
    high: CentsOrDollars | None = None
    low: CentsOrDollars | None = None
    close: CentsOrDollars | None = None


class WPriceDist(Wire):
    open_dollars: str | None = None
    high_dollars: str | None = None
    low_dollars: str | None = None
    close_dollars: str | None = None
    mean_dollars: str | None = None
    previous_dollars: str | None = None
    min_dollars: str | None = None
    max_dollars: str | None = None
    open: CentsOrDollars | None = None
    high: CentsOrDollars | None = None
    low: CentsOrDollars | None = None
    close: CentsOrDollars | None = None
    mean: CentsOrDollars | None = None
    previous: CentsOrDollars | None = None
    min: CentsOrDollars | None = None
    max: CentsOrDollars | None = None


class WCandlestick(Wire):
    end_period_ts: int
    yes_bid: WQuoteDist | None = None
    yes_ask: WQuoteDist | None = None
    price: WPriceDist | None = None
    volume_fp: str | None = None
    open_interest_fp: str | None = None
    volume: CountOrFp | None = None
    open_interest: CountOrFp | None = None


class WMarketCandlesticksResponse(Wire):
    ticker: str
    candlesticks: list[WCandlestick]


class WBatchMarketCandlesticks(Wire):
    market_ticker: str
    candlesticks: list[WCandlestick]


class WBatchCandlesticksResponse(Wire):
    markets: list[WBatchMarketCandlesticks]


class WEventCandlesticksResponse(Wire):
    market_tickers: list[str]
    market_candlesticks: list[list[WCandlestick]]
    adjusted_end_ts: int | None = None
