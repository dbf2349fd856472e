"""Order book parsers: the book sides in every era, one book and many."""

from __future__ import annotations

from kalshi_tape import wire as w
from kalshi_tape.core.domain import Level, Orderbook
from kalshi_tape.core.errors import ParseError
from kalshi_tape.parse.common import Json, _decode, _guarded, _required, count_field, price_field


def _levels(
    where: str, pairs: list[w.LevelPair] | list[w.CentsLevel] | list[w.DollarLevel]
) -> tuple[Level, ...]:
    out = []
    for i, (price, size) in enumerate(pairs):
        at = f"{where}[{i}]"
        p = _required(at, price_field(at, None, price))
        c = _required(at, count_field(at, None, size))
        out.append((p, c))
    return tuple(out)


def _book_sides(
    where: str, fp: w.WOrderbookFp | None, legacy: w.WOrderbookLegacy | None
) -> tuple[tuple[Level, ...], tuple[Level, ...]]:
    """Prefer `orderbook_fp`; else era B `orderbook.*_dollars`; else era A cents (null = empty)."""
    if fp is not None:
        return (
            _levels(f"{where}_fp.yes_dollars", fp.yes_dollars or []),
            _levels(f"{where}_fp.no_dollars", fp.no_dollars or []),
        )
    if legacy is None:
        raise ParseError(where, "neither orderbook_fp nor orderbook present")
    if legacy.yes_dollars is not None or legacy.no_dollars is not None:
        return (
            _levels(f"{where}.yes_dollars", legacy.yes_dollars or []),
            _levels(f"{where}.no_dollars", legacy.no_dollars or []),
        )
    return _levels(f"{where}.yes", legacy.yes or []), _levels(f"{where}.no", legacy.no or [])


@_guarded("orderbook")
def parse_orderbook(data: Json, ticker: str | None = None) -> Orderbook:
    """`GET /markets/{t}/orderbook` in any era -> Orderbook (bids ascending)."""
    body = _decode(data, w.WOrderbookResponse, "$")
    yes, no = _book_sides("orderbook", body.orderbook_fp, body.orderbook)
    return Orderbook(yes=yes, no=no, ticker=ticker)


@_guarded("orderbooks")
def parse_orderbooks(data: Json) -> list[Orderbook]:
    """`GET /markets/orderbooks` -> [Orderbook]."""
    body = _decode(data, w.WOrderbooksResponse, "$")
    books = []
    for i, item in enumerate(body.orderbooks):
        yes, no = _book_sides(f"orderbooks[{i}].orderbook", item.orderbook_fp, item.orderbook)
        books.append(Orderbook(yes=yes, no=no, ticker=item.ticker))
    return books
