"""The changes the exchange hands to stream listeners on each sync, in time order. Items are
lazy: the book diff and the market state are computed only for subscribers."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

from kalshi_tape.sim.generator import (
    EventSpec,
    MarketSpec,
    MarketTimeline,
    Quote,
    SimTrade,
    book_levels,
)

US = 1_000_000


@dataclass(frozen=True, slots=True)
class BookChange:
    ts_us: int
    market: MarketSpec
    old: Quote
    new: Quote
    whole: bool

    @property
    def ticker(self) -> str:
        return self.market.ticker

    def deltas(self) -> tuple[tuple[str, int, int], ...]:
        """(side, price cents, size change in hundredths): every removal before any addition
        (as an exchange sends them, so no intermediate book is crossed), then yes side
        first, by price."""
        return _book_diff(self.market, self.old, self.new, self.whole)


@dataclass(frozen=True, slots=True)
class TickerChange:
    ts_us: int
    event: EventSpec
    market: MarketSpec
    last_trade_size: int | None


@dataclass(frozen=True, slots=True)
class TradeEvent:
    ticker: str
    trade: SimTrade


@dataclass(frozen=True, slots=True)
class Lifecycle:
    ts_us: int
    event_type: str  # created | determined | settled
    event: EventSpec
    market: MarketSpec


@dataclass(frozen=True, slots=True)
class EventCreated:
    ts_us: int
    event: EventSpec


StreamItem = BookChange | TickerChange | TradeEvent | Lifecycle | EventCreated
Listener = Callable[[list[StreamItem]], None]


def _book_diff(
    market: MarketSpec, old: Quote, new: Quote, whole: bool
) -> tuple[tuple[str, int, int], ...]:
    old_yes, old_no = book_levels(market, old, whole)
    new_yes, new_no = book_levels(market, new, whole)
    out: list[tuple[str, int, int]] = []
    for side, before, after in (("yes", old_yes, new_yes), ("no", old_no, new_no)):
        a, b = dict(before), dict(after)
        for price in sorted(a.keys() | b.keys()):
            change = b.get(price, 0) - a.get(price, 0)
            if change:
                out.append((side, price, change))
    return tuple(sorted(out, key=lambda item: item[2] > 0))


def market_changes(
    spec: EventSpec,
    market: MarketSpec,
    tl: MarketTimeline,
    lo_us: int,
    hi_us: int,
    whole: bool,
    out: list[tuple[int, int, StreamItem]],
) -> None:
    """Book, ticker and trade items of one market in (lo_us, hi_us], keyed for ordering."""
    qa = bisect.bisect_right(tl.quote_ts, lo_us // US)
    qb = bisect.bisect_right(tl.quote_ts, hi_us // US)
    for i in range(qa, qb):
        ts_us = tl.quote_ts[i] * US
        if ts_us <= lo_us:
            continue
        old = tl.quotes[i - 1] if i > 0 else (0, 100, 0, 0)
        out.append((ts_us, 2, BookChange(ts_us, market, old, tl.quotes[i], whole)))
        out.append((ts_us, 3, TickerChange(ts_us, spec, market, None)))
    ta = bisect.bisect_right(tl.trade_us, lo_us)
    tb = bisect.bisect_right(tl.trade_us, hi_us)
    for trade in tl.trades[ta:tb]:
        out.append((trade.created_us, 4, TradeEvent(market.ticker, trade)))
        change = TickerChange(trade.created_us, spec, market, trade.count_h)
        out.append((trade.created_us, 5, change))
