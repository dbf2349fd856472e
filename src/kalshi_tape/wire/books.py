"""Order book structs in every era (legacy cents, dollar strings, fixed-point)."""

from __future__ import annotations

from kalshi_tape.wire.common import CountOrFp, Wire

CentsLevel = tuple[int, int]
DollarLevel = tuple[str, CountOrFp]


class WOrderbookLegacy(Wire):
    """`orderbook`: era A cents (sides may be null), era B adds `*_dollars` with int counts."""

    yes: list[CentsLevel] | None = None
    no: list[CentsLevel] | None = None
    yes_dollars: list[DollarLevel] | None = None
    no_dollars: list[DollarLevel] | None = None


class WOrderbookFp(Wire):
    yes_dollars: list[DollarLevel] | None = None
    no_dollars: list[DollarLevel] | None = None


class WOrderbookResponse(Wire):
    orderbook: WOrderbookLegacy | None = None
    orderbook_fp: WOrderbookFp | None = None


class WMarketOrderbook(Wire):
    ticker: str
    orderbook_fp: WOrderbookFp | None = None
    orderbook: WOrderbookLegacy | None = None


class WOrderbooksResponse(Wire):
    orderbooks: list[WMarketOrderbook]
