"""Trade structs: one trade as REST sends it, and the trades page."""

from __future__ import annotations

from decimal import Decimal

from kalshi_tape.wire.common import Timestamp, Wire


class WTrade(Wire):
    trade_id: str
    ticker: str
    created_time: Timestamp
    count_fp: str | None = None
    yes_price_dollars: str | None = None
    no_price_dollars: str | None = None
    count: int | None = None
    yes_price: int | None = None
    no_price: int | None = None
    price: Decimal | None = None
    taker_side: str | None = None
    taker_outcome_side: str | None = None
    taker_book_side: str | None = None
    is_block_trade: bool | None = None


class WTradesResponse(Wire):
    trades: list[WTrade]
    cursor: str | None = None
