"""Candlestick parsers: single market, batch, event and historical candlesticks."""

from __future__ import annotations

from kalshi_tape import wire as w
from kalshi_tape.core.domain import (
    Candlestick,
    EventCandlesticks,
    MarketCandlesticks,
    QuoteOHLC,
    TradeOHLC,
)
from kalshi_tape.core.errors import ParseError
from kalshi_tape.core.money import ZERO_COUNT
from kalshi_tape.parse.common import Json, _decode, _guarded, _required, count_field, price_field


def candle_from_wire(c: w.WCandlestick, where: str = "candlestick") -> Candlestick:
    return Candlestick(
        end_period_ts=c.end_period_ts,
        yes_bid=_quote(f"{where}.yes_bid", c.yes_bid),
        yes_ask=_quote(f"{where}.yes_ask", c.yes_ask),
        price=_trade_prices(f"{where}.price", c.price),
        volume=count_field(f"{where}.volume", c.volume_fp, c.volume) or ZERO_COUNT,
        open_interest=count_field(f"{where}.open_interest", c.open_interest_fp, c.open_interest)
        or ZERO_COUNT,
    )


def _quote(where: str, q: w.WQuoteDist | None) -> QuoteOHLC | None:
    if q is None:
        return None
    return QuoteOHLC(
        open=_required(f"{where}.open", price_field(f"{where}.open", q.open_dollars, q.open)),
        high=_required(f"{where}.high", price_field(f"{where}.high", q.high_dollars, q.high)),
        low=_required(f"{where}.low", price_field(f"{where}.low", q.low_dollars, q.low)),
        close=_required(f"{where}.close", price_field(f"{where}.close", q.close_dollars, q.close)),
    )


def _trade_prices(where: str, p: w.WPriceDist | None) -> TradeOHLC:
    if p is None:
        return TradeOHLC()
    return TradeOHLC(
        open=price_field(f"{where}.open", p.open_dollars, p.open),
        high=price_field(f"{where}.high", p.high_dollars, p.high),
        low=price_field(f"{where}.low", p.low_dollars, p.low),
        close=price_field(f"{where}.close", p.close_dollars, p.close),
        mean=price_field(f"{where}.mean", p.mean_dollars, p.mean),
        previous=price_field(f"{where}.previous", p.previous_dollars, p.previous),
        min=price_field(f"{where}.min", p.min_dollars, p.min),
        max=price_field(f"{where}.max", p.max_dollars, p.max),
    )


def _candles(where: str, items: list[w.WCandlestick]) -> tuple[Candlestick, ...]:
    return tuple(candle_from_wire(c, f"{where}[{i}]") for i, c in enumerate(items))


@_guarded("candlesticks")
def parse_market_candlesticks(data: Json) -> MarketCandlesticks:
    """`GET /series/{s}/markets/{t}/candlesticks` or the `/historical` twin."""
    body = _decode(data, w.WMarketCandlesticksResponse, "$")
    return MarketCandlesticks(body.ticker, _candles("candlesticks", body.candlesticks))


parse_historical_candlesticks = parse_market_candlesticks


@_guarded("markets")
def parse_batch_candlesticks(data: Json) -> list[MarketCandlesticks]:
    """`GET /markets/candlesticks` -> one MarketCandlesticks per market."""
    body = _decode(data, w.WBatchCandlesticksResponse, "$")
    return [
        MarketCandlesticks(m.market_ticker, _candles(f"markets[{i}].candlesticks", m.candlesticks))
        for i, m in enumerate(body.markets)
    ]


@_guarded("market_candlesticks")
def parse_event_candlesticks(data: Json) -> EventCandlesticks:
    """`GET /series/{s}/events/{e}/candlesticks`; lists are parallel to `market_tickers`."""
    body = _decode(data, w.WEventCandlesticksResponse, "$")
    if len(body.market_tickers) != len(body.market_candlesticks):
        raise ParseError("market_candlesticks", "length differs from market_tickers")
    markets = tuple(
        MarketCandlesticks(ticker, _candles(f"market_candlesticks[{i}]", candles))
        for i, (ticker, candles) in enumerate(
            zip(body.market_tickers, body.market_candlesticks, strict=True)
        )
    )
    return EventCandlesticks(markets=markets, adjusted_end_ts=body.adjusted_end_ts)
