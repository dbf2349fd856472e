"""Conservative fills from bar data: taker at the quoted touch plus slippage, never at mid;
maker only when a later bar trades *through* the limit, capped by that bar's volume.

An order placed at bar t (decision time = end of bar t) meets the market in bar t+1:

* taker: buy YES at bar t+1's opening YES ask (`taker_price="next_open"`, default) or at
  bar t's closing ask (`"close"`), plus `slippage`; sell YES at the bid minus slippage.
  A NO order uses the other side: NO ask = 1 − YES bid, NO bid = 1 − YES ask. An empty
  side (NaN) means no fill; prices stay within $0.01..$0.99 (slippage cannot push a sale
  below the lowest tick). Candles carry no depth, so a taker order fills in full.
* maker: a post-only limit resting from bar t+1 for `ttl_bars` bars. It fills in bar k when
  trades in bar k went strictly through it (YES trade low < L for a YES buy; `touch=True`
  accepts equality), for at most `participation` × the bar's volume, after `queue_ahead`
  contracts ahead of us at our price were filled first. Quote-only sources (snapshots,
  imported logs) have no trades: maker orders never fill there.

Paper trading uses the same rules by building `BarQuotes` from the live book and trades.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, Decimal
from typing import Generic, Literal, TypeVar

import numpy as np

from kalshi_tape.backtest.execution.fees import FeeSchedule, OrderFees, trade_date_of
from kalshi_tape.backtest.strategies.protocol import Fill, FloatArray, Order
from kalshi_tape.core.money import Count, Price

TimeT = TypeVar("TimeT")
MIN_PRICE, MAX_PRICE = Decimal("0.01"), Decimal("0.99")


@dataclass(frozen=True, slots=True)
class FillRules:
    slippage: Decimal = Decimal("0.01")
    taker_price: Literal["next_open", "close"] = "next_open"
    participation: float = 1.0
    queue_ahead: Decimal = Decimal(0)
    touch: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class QuoteBars(Generic[TimeT]):
    """Bar quotes and trades in dollars/contracts (NaN = unknown or empty): one bar of every
    bracket (`BarQuotes`, `ts` an int) or every bar of an event (a `Panel`, `ts` per bar)."""

    ts: TimeT
    bid_open: FloatArray
    ask_open: FloatArray
    bid_close: FloatArray
    ask_close: FloatArray
    trade_low: FloatArray
    trade_high: FloatArray
    volume: FloatArray


@dataclass(frozen=True, slots=True)
class BarQuotes(QuoteBars[int]):
    """One bar of every bracket (ladder order)."""


@dataclass(slots=True)
class BarMaker:
    """A maker order on the book: what is left of it and of the queue ahead."""

    order: Order
    event_ticker: str
    expires_after_ts: int
    remaining: Decimal
    queue: Decimal
    order_id: str = ""
    decided_ts: int = 0


@dataclass(slots=True)
class BarMakers:
    """Our resting maker orders of one event, and their fee accumulator."""

    resting: list[BarMaker] = field(default_factory=list)
    order_fees: OrderFees = field(default_factory=OrderFees)


def _yes_touch(order: Order, bid: float, ask: float) -> float:
    """The YES-terms price a taker order trades at (NaN when that side is empty)."""
    return ask if order.buys_yes else bid


def taker_fill(
    order: Order,
    event_ticker: str,
    index: int,
    decided: BarQuotes,
    arriving: BarQuotes | None,
    rules: FillRules,
    fees: FeeSchedule,
    order_id: str = "",
) -> Fill | None:
    """Fill a taker order placed at the end of `decided` (in `arriving`, the next bar), in
    full in one fill (candles carry no depth): one fill is one rounding of its fee."""
    if rules.taker_price == "next_open":
        if arriving is None:
            return None
        bar, bid, ask = arriving, arriving.bid_open[index], arriving.ask_open[index]
    else:
        bar, bid, ask = decided, decided.bid_close[index], decided.ask_close[index]
    yes = _yes_touch(order, float(bid), float(ask))
    if math.isnan(yes) or not 0.0 < yes < 1.0:
        return None
    yes_price = Decimal(round(yes, 4)).quantize(Decimal("0.0001"))
    side_price = yes_price if order.side == "yes" else 1 - yes_price
    # Taking costs the touch plus slippage, in the side's own terms (a buy pays more,
    # a sell receives less), kept on the tradable range $0.01..$0.99.
    pay = side_price + rules.slippage if order.action == "buy" else side_price - rules.slippage
    pay = min(MAX_PRICE, max(MIN_PRICE, pay))
    if order.limit is not None and (
        (order.action == "buy" and pay > order.limit)
        or (order.action == "sell" and pay < order.limit)
    ):
        return None
    price = Price(pay)
    fee = fees.fee(price, order.count, taker=True, trade_date=trade_date_of(bar.ts))
    return Fill(
        bar.ts, event_ticker, order.ticker, order.side, order.action, order.count, price,
        "taker", fee, order.tag, order_id, decided.ts, bar.ts,
    )  # fmt: skip


def place_maker(
    order: Order, event_ticker: str, index: int, decided: BarQuotes, rules: FillRules, bar_s: int,
    order_id: str = "",
) -> BarMaker | None:  # fmt: skip
    """Rest a post-only maker order; None when it would cross the quotes it was decided on."""
    assert order.limit is not None
    yes_limit = _yes_limit(order)
    bid, ask = float(decided.bid_close[index]), float(decided.ask_close[index])
    crosses = yes_limit >= ask if order.buys_yes else yes_limit <= bid
    if not math.isnan(ask if order.buys_yes else bid) and crosses:
        return None
    expires = decided.ts + order.ttl_bars * bar_s
    return BarMaker(order, event_ticker, expires, Decimal(order.count), rules.queue_ahead,
                    order_id, decided.ts)  # fmt: skip


def _yes_limit(order: Order) -> float:
    assert order.limit is not None
    limit = float(order.limit)
    return limit if order.side == "yes" else 1.0 - limit


def maker_fills(
    book: BarMakers,
    tickers: tuple[str, ...],
    bar: BarQuotes,
    rules: FillRules,
    fees: FeeSchedule,
) -> list[Fill]:
    """Fill resting orders against `bar` (which comes strictly after their placement)."""
    fills: list[Fill] = []
    still: list[BarMaker] = []
    budgets: dict[int, Decimal] = {}  # one bar's volume, shared by all our orders it crosses
    for rest in sorted(book.resting, key=_priority):
        if bar.ts > rest.expires_after_ts:
            continue
        fill = _maker_fill(rest, tickers.index(rest.order.ticker), bar, rules, fees, budgets,
                           book.order_fees)  # fmt: skip
        if fill is not None:
            fills.append(fill)
        if rest.remaining > 0 and bar.ts < rest.expires_after_ts:
            still.append(rest)
        else:
            book.order_fees.forget(rest.order_id)
    book.resting = still
    return fills


def _priority(rest: BarMaker) -> Decimal:
    """Price priority (stable sort keeps time priority): the best YES-terms limit first."""
    limit = Decimal(_yes_limit_exact(rest.order))
    return -limit if rest.order.buys_yes else limit


def _yes_limit_exact(order: Order) -> Decimal:
    assert order.limit is not None
    return Decimal(order.limit) if order.side == "yes" else 1 - Decimal(order.limit)


def _maker_fill(
    rest: BarMaker, index: int, bar: BarQuotes, rules: FillRules, fees: FeeSchedule,
    budgets: dict[int, Decimal], order_fees: OrderFees,
) -> Fill | None:  # fmt: skip
    order = rest.order
    volume = float(bar.volume[index])
    if math.isnan(volume) or volume <= 0:
        return None
    limit = _yes_limit(order)
    if order.buys_yes:
        low = float(bar.trade_low[index])
        through = not math.isnan(low) and (low < limit or (rules.touch and low <= limit))
    else:
        high = float(bar.trade_high[index])
        through = not math.isnan(high) and (high > limit or (rules.touch and high >= limit))
    if not through:
        return None
    available = Decimal(volume * rules.participation).quantize(Decimal("0.01"), ROUND_FLOOR)
    used_by_queue = min(rest.queue, available)
    rest.queue -= used_by_queue
    budget = budgets.setdefault(index, available)
    qty = min(rest.remaining, available - used_by_queue, budget)
    if qty <= 0:
        return None
    rest.remaining -= qty
    budgets[index] = budget - qty
    assert order.limit is not None
    count = Count(qty)
    fee = order_fees.charge(rest.order_id, fees.maker_rate, order.limit, count,
                            trade_date_of(bar.ts))  # fmt: skip
    return Fill(
        bar.ts, rest.event_ticker, order.ticker, order.side, order.action, count, order.limit,
        "maker", fee, order.tag, rest.order_id, rest.decided_ts, rest.decided_ts,
        f"bar:{bar.ts}",
    )  # fmt: skip


def empty_quotes(ts: int, brackets: int) -> BarQuotes:
    nan = np.full(brackets, np.nan)
    return BarQuotes(ts, nan, nan, nan, nan, nan, nan, nan)


def with_ts(quotes: BarQuotes, ts: int) -> BarQuotes:
    return replace(quotes, ts=ts)
