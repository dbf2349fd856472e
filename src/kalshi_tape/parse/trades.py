"""Trade parsers: one REST trade and the trades page."""

from __future__ import annotations

from kalshi_tape import wire as w
from kalshi_tape.core.domain import Page, Side, Trade
from kalshi_tape.parse.common import (
    Json,
    _book_side_to_outcome,
    _decode,
    _guarded,
    _required,
    _side,
    count_field,
    price_field,
)


def trade_from_wire(t: w.WTrade, where: str = "trade") -> Trade:
    yes = _required(
        f"{where}.yes_price", price_field(f"{where}.yes_price", t.yes_price_dollars, t.yes_price)
    )
    no = price_field(f"{where}.no_price", t.no_price_dollars, t.no_price)
    return Trade(
        trade_id=t.trade_id,
        ticker=t.ticker,
        yes_price=yes,
        no_price=no if no is not None else yes.complement(),
        count=_required(f"{where}.count", count_field(f"{where}.count", t.count_fp, t.count)),
        taker_side=_taker_side(where, t.taker_outcome_side, t.taker_side, t.taker_book_side),
        created_time=t.created_time,
        is_block_trade=bool(t.is_block_trade),
    )


def _taker_side(
    where: str, outcome: str | None, legacy: str | None, book: str | None
) -> Side | None:
    side = _side(f"{where}.taker_outcome_side", outcome) or _side(f"{where}.taker_side", legacy)
    return side or _book_side_to_outcome(book)


@_guarded("trades")
def parse_trades_page(data: Json) -> Page[Trade]:
    """`GET /markets/trades` or `/historical/trades` -> Page[Trade]."""
    body = _decode(data, w.WTradesResponse, "$")
    items = tuple(trade_from_wire(t, f"trades[{i}]") for i, t in enumerate(body.trades))
    return Page(items=items, cursor=body.cursor or None)
