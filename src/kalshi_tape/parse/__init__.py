"""Pure functions from Kalshi JSON (any wire era) to frozen domain objects.

Rule for every field: prefer the exact string (`X_dollars`, `X_fp`, or a historical
unsuffixed string); fall back to the era-A integer (`X` cents or contracts). Unknown
fields are ignored. Anything malformed raises `ParseError` naming the field path; no
other exception escapes a parse function.

One import surface: `from kalshi_tape.parse import parse_market` (or `from kalshi_tape import
parse`); the functions live in submodules by topic (common helpers, markets, trades, candles,
books, exchange, stream).
"""

from __future__ import annotations

from kalshi_tape.core.errors import ParseError
from kalshi_tape.parse.books import parse_orderbook, parse_orderbooks
from kalshi_tape.parse.candles import (
    candle_from_wire,
    parse_batch_candlesticks,
    parse_event_candlesticks,
    parse_historical_candlesticks,
    parse_market_candlesticks,
)
from kalshi_tape.parse.common import DecimalOrNone, Json, P, R, S, count_field, price_field
from kalshi_tape.parse.exchange import (
    parse_cutoff,
    parse_error_body,
    parse_exchange_schedule,
    parse_exchange_status,
)
from kalshi_tape.parse.markets import (
    event_from_wire,
    market_from_wire,
    parse_event,
    parse_events_page,
    parse_market,
    parse_markets_page,
    parse_series,
    parse_series_list,
    series_from_wire,
)
from kalshi_tape.parse.stream import parse_stream_message
from kalshi_tape.parse.trades import parse_trades_page, trade_from_wire

__all__ = [
    "DecimalOrNone",
    "Json",
    "P",
    "ParseError",
    "R",
    "S",
    "candle_from_wire",
    "count_field",
    "event_from_wire",
    "market_from_wire",
    "parse_batch_candlesticks",
    "parse_cutoff",
    "parse_error_body",
    "parse_event",
    "parse_event_candlesticks",
    "parse_events_page",
    "parse_exchange_schedule",
    "parse_exchange_status",
    "parse_historical_candlesticks",
    "parse_market",
    "parse_market_candlesticks",
    "parse_markets_page",
    "parse_orderbook",
    "parse_orderbooks",
    "parse_series",
    "parse_series_list",
    "parse_stream_message",
    "parse_trades_page",
    "price_field",
    "series_from_wire",
    "trade_from_wire",
]
