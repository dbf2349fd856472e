"""Fills against a real order book: the depth-walk taker and queue-estimate maker model.

Used by the backtest's tape mode (`tape`, over the recorded L2 book and trades) and by paper
trading (`paper.gateway`, over the live feed). `BookFills` executes against the book:

* taker: walks the book's real depth from the touch (YES asks are NO bids at 1 − price),
  one fill per price level, up to `limit`; what the depth cannot fill is cancelled;
* maker: post-only at `limit` (rejected if it would cross); the queue ahead is the size
  resting at our price when placed, reduced as trades print at our price and capped by
  the level's size at each bar end (cancellations); trades at our price beyond the queue,
  and every trade through our price, fill us; unfilled after `ttl_bars` bars: expired.

Fees go through the per-order accumulator (`fees.OrderFees`): an order's fills together
pay one rounding. Each public print is one budget shared by all our resting orders it
crosses, in price-time priority. Our takes never edit the recorded book: the book engine
keeps them in an overlay (`overlay.BookOverlay`) and hands `place` the visible book.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from kalshi_tape.backtest.execution.fees import FeeSchedule, OrderFees, trade_date_of
from kalshi_tape.backtest.strategies.protocol import Fill, Order
from kalshi_tape.client.stream import OrderBook
from kalshi_tape.core.money import Count, Price

ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class TapeTrade:
    """A public trade as the book engine uses it: exchange time (ms), YES price, count."""

    ts_ms: int
    trade_id: str
    ticker: str
    yes_price: Decimal
    count: Decimal


@dataclass(slots=True)
class BookMaker:
    order_id: str
    order: Order
    event_ticker: str
    yes_limit: Decimal  # the limit in YES terms: a YES bid when the order buys YES
    placed_bar: int
    expires_bar: int
    queue: Decimal
    remaining: Decimal
    decided_ts: int = 0
    arrived_ms: int = -1  # prints stamped at or before its arrival cannot fill it


@dataclass(frozen=True, slots=True)
class Placement:
    fills: tuple[Fill, ...]
    status: str  # filled | partial | unfilled | rejected | resting
    queue_ahead: Decimal | None = None


class FillModel(Protocol):
    """Where the book engine sends orders: `place` at the decision moment (what filled at
    once, whether it rests), `on_trades` (fills of resting orders), `end_bar`."""

    def place(
        self, order_id: str, order: Order, event_ticker: str, book: OrderBook | None, ts: int,
        bar: int, fees: FeeSchedule, decided_ts: int | None = None, arrived_ms: int = -1,
    ) -> Placement: ...  # fmt: skip

    def on_trades(
        self, trades: Sequence[TapeTrade], fees: dict[str, FeeSchedule]
    ) -> list[tuple[str, Fill]]: ...

    def end_bar(self, bar: int, books: dict[str, OrderBook]) -> list[str]: ...


def yes_limit(order: Order) -> Decimal | None:
    if order.limit is None:
        return None
    return Decimal(order.limit) if order.side == "yes" else ONE - Decimal(order.limit)


def _side_price(order: Order, yes_price: Decimal) -> Decimal:
    return yes_price if order.side == "yes" else ONE - yes_price


def _within(order: Order, price: Decimal) -> bool:
    if order.limit is None:
        return True
    return price <= order.limit if order.action == "buy" else price >= order.limit


def taker_levels(order: Order, book: OrderBook) -> Iterator[tuple[Decimal, Decimal]]:
    """(YES price, size) the order can take, best first (lazily: a taker stops early)."""
    if order.buys_yes:  # lift YES asks = NO bids, highest NO bid first
        no = book.no
        return ((ONE - p, no[p]) for p in sorted(no, reverse=True))
    yes = book.yes
    return ((Decimal(p), yes[p]) for p in sorted(yes, reverse=True))


def queue_at(order: Order, book: OrderBook | None, limit: Decimal) -> Decimal:
    """Resting size ahead of us at our price on our side of `book`."""
    if book is None:
        return Decimal(0)
    side, price = ("yes", limit) if order.buys_yes else ("no", ONE - limit)
    levels = book.yes if side == "yes" else book.no
    return Decimal(levels.get(Price(price), Decimal(0)))


class BookFills:
    """Executes orders against the book and the public trade prints."""

    def __init__(self) -> None:
        self.resting: list[BookMaker] = []
        self.order_fees = OrderFees()

    def place(
        self, order_id: str, order: Order, event_ticker: str, book: OrderBook | None, ts: int,
        bar: int, fees: FeeSchedule, decided_ts: int | None = None, arrived_ms: int = -1,
    ) -> Placement:  # fmt: skip
        """An order reaching the market at `ts` (arrival, seconds; `arrived_ms` exact),
        decided at `decided_ts` (default: `ts`) in bar `bar`."""
        decided = ts if decided_ts is None else decided_ts
        if order.liquidity == "taker":
            return self._take(order_id, order, event_ticker, book, (decided, ts), fees)
        limit = yes_limit(order)
        assert limit is not None  # Order checks makers have a limit
        if book is not None and _crosses(order, book, limit):
            return Placement((), "rejected")
        queue = queue_at(order, book, limit)
        self.resting.append(
            BookMaker(order_id, order, event_ticker, limit, bar, bar + order.ttl_bars, queue,
                      Decimal(order.count), decided, arrived_ms)
        )  # fmt: skip
        return Placement((), "resting", queue)

    def _take(
        self, order_id: str, order: Order, event: str, book: OrderBook | None,
        times: tuple[int, int], fees: FeeSchedule,
    ) -> Placement:  # fmt: skip
        decided, ts = times
        if book is None:
            return Placement((), "unfilled")
        left = Decimal(order.count)
        fills: list[Fill] = []
        for yes_price, size in taker_levels(order, book):
            price = _side_price(order, yes_price)
            if left <= 0 or not _within(order, price):
                break
            qty = min(left, size)
            left -= qty
            fee = self.order_fees.charge(order_id, fees.taker_rate, Price(price), Count(qty),
                                         trade_date_of(ts))  # fmt: skip
            fills.append(Fill(ts, event, order.ticker, order.side, order.action, Count(qty),
                              Price(price), "taker", fee, order.tag, order_id, decided,
                              ts))  # fmt: skip
        self.order_fees.forget(order_id)
        status = "filled" if left <= 0 else "partial" if fills else "unfilled"
        return Placement(tuple(fills), status)

    def on_trades(
        self, trades: Sequence[TapeTrade], fees: dict[str, FeeSchedule]
    ) -> list[tuple[str, Fill]]:
        """Fills of resting orders from trades printed after their bar (time order)."""
        out: list[tuple[str, Fill]] = []
        for trade in trades:
            budget = [trade.count]  # one print, shared by all our orders it crosses
            for rest in _by_priority(self.resting, trade.ticker):
                fill = _maker_fill(rest, trade, fees[rest.event_ticker], budget, self.order_fees)
                if fill is not None:
                    out.append((rest.order_id, fill))
        for rest in self.resting:
            if rest.remaining <= 0:
                self.order_fees.forget(rest.order_id)
        self.resting = [r for r in self.resting if r.remaining > 0]
        return out

    def end_bar(self, bar: int, books: dict[str, OrderBook]) -> list[str]:
        """Cap queues by the level's size now; expire orders whose time is up (their ids)."""
        expired = [r.order_id for r in self.resting if bar >= r.expires_bar]
        for order_id in expired:
            self.order_fees.forget(order_id)
        self.resting = [r for r in self.resting if bar < r.expires_bar]
        for rest in self.resting:
            book = books.get(rest.order.ticker)
            rest.queue = min(rest.queue, queue_at(rest.order, book, rest.yes_limit))
        return expired


def _crosses(order: Order, book: OrderBook, limit: Decimal) -> bool:
    if order.buys_yes:
        best_no = book.best_no_bid
        return best_no is not None and limit >= ONE - Decimal(best_no)
    best_yes = book.best_yes_bid
    return best_yes is not None and limit <= Decimal(best_yes)


def _by_priority(resting: list[BookMaker], ticker: str) -> list[BookMaker]:
    """Our live orders on `ticker` in price-time priority (best price first, then oldest)."""
    live = [r for r in resting if r.order.ticker == ticker and r.remaining > 0]
    buys = sorted((r for r in live if r.order.buys_yes), key=lambda r: -r.yes_limit)
    sells = sorted((r for r in live if not r.order.buys_yes), key=lambda r: r.yes_limit)
    return buys + sells


def _maker_fill(
    rest: BookMaker, trade: TapeTrade, fees: FeeSchedule, budget: list[Decimal],
    order_fees: OrderFees,
) -> Fill | None:  # fmt: skip
    """Fill `rest` from what is left of the print (`budget[0]`, drawn down in place)."""
    at = trade.yes_price == rest.yes_limit
    through = (
        trade.yes_price < rest.yes_limit
        if rest.order.buys_yes
        else (trade.yes_price > rest.yes_limit)
    )
    if not (at or through) or trade.ts_ms <= rest.arrived_ms:
        return None
    available = trade.count
    if at:  # prints at our price serve the queue ahead of us first
        served = min(rest.queue, available)
        rest.queue -= served
        available -= served
    qty = min(rest.remaining, available, budget[0])
    if qty <= 0:
        return None
    rest.remaining -= qty
    budget[0] -= qty
    order = rest.order
    assert order.limit is not None
    ts = trade.ts_ms // 1000
    fee = order_fees.charge(rest.order_id, fees.maker_rate, order.limit, Count(qty),
                            trade_date_of(ts))  # fmt: skip
    return Fill(ts, rest.event_ticker, order.ticker, order.side, order.action, Count(qty),
                order.limit, "maker", fee, order.tag, rest.order_id, rest.decided_ts,
                rest.arrived_ms // 1000 if rest.arrived_ms >= 0 else rest.decided_ts,
                trade.trade_id)  # fmt: skip
