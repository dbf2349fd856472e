"""The book fill model: takers walk the real depth, makers wait behind the queue."""

from __future__ import annotations

from decimal import Decimal

from kalshi_tape.backtest.execution.book import BookFills, TapeTrade
from kalshi_tape.backtest.execution.fees import FeeSchedule
from kalshi_tape.backtest.strategies.protocol import Order
from kalshi_tape.client.stream import OrderBook
from kalshi_tape.core.money import Count, Price

FEES = FeeSchedule()
TS = 1_795_150_000  # 2026-11-20: fees rounded up to the centicent
TICKER = "KXHIGHNY-26NOV20-B57.5"


def book() -> OrderBook:
    """YES bids 0.40 x 10, 0.41 x 5; NO bids 0.55 x 4, 0.57 x 3 (YES asks 0.43 x 3, 0.45 x 4)."""
    yes = [(Price("0.40"), Count("10")), (Price("0.41"), Count("5"))]
    no = [(Price("0.55"), Count("4")), (Price("0.57"), Count("3"))]
    return OrderBook.from_levels(TICKER, yes, no)


def order(**kw: object) -> Order:
    base: dict[str, object] = {
        "ticker": TICKER,
        "side": "yes",
        "action": "buy",
        "count": Count("5"),
    }
    base.update(kw)
    return Order(**base)  # type: ignore[arg-type]


def test_a_taker_buy_walks_the_asks_one_fill_per_level() -> None:
    placed = BookFills().place("o1", order(), "E", book(), TS, 0, FEES)
    assert placed.status == "filled"
    assert [(f.price, f.count) for f in placed.fills] == [
        (Price("0.43"), Count("3")),
        (Price("0.45"), Count("2")),
    ]
    # 0.07 x 3 x 0.43 x 0.57 = 0.051471 -> 0.0515 (rounded up)
    assert placed.fills[0].fee == Decimal("0.0515")


def test_a_taker_stops_at_its_limit_and_a_no_buy_lifts_no_asks() -> None:
    limited = BookFills().place(
        "o1", order(count=Count("10"), limit=Price("0.44")), "E", book(), TS, 0, FEES
    )
    assert limited.status == "partial" and sum(f.count for f in limited.fills) == 3
    no_buy = BookFills().place("o2", order(side="no"), "E", book(), TS, 0, FEES)
    assert [(f.price, f.count) for f in no_buy.fills] == [
        (Price("0.59"), Count("5")),  # NO ask = 1 - best YES bid 0.41
    ]


def test_a_maker_waits_behind_the_queue_then_fills_on_prints_at_its_price() -> None:
    gateway = BookFills()
    maker = order(liquidity="maker", limit=Price("0.41"), ttl_bars=3)
    placed = gateway.place("o1", maker, "E", book(), TS, 0, FEES)
    assert placed.status == "resting" and placed.queue_ahead == Decimal(5)
    fees = {"E": FEES}
    at = TapeTrade((TS + 30) * 1000, "t1", TICKER, Decimal("0.41"), Decimal("4"))
    assert gateway.on_trades([at], fees) == []  # 4 of the 5 ahead of us
    more = TapeTrade((TS + 40) * 1000, "t2", TICKER, Decimal("0.41"), Decimal("3"))
    ((order_id, fill),) = gateway.on_trades([more], fees)
    assert order_id == "o1" and fill.count == Count("2") and fill.liquidity == "maker"
    assert fill.price == Price("0.41") and fill.fee == 0  # weather series: no maker fee
    through = TapeTrade((TS + 50) * 1000, "t3", TICKER, Decimal("0.39"), Decimal("10"))
    ((_, rest),) = gateway.on_trades([through], fees)
    assert rest.count == Count("3") and gateway.resting == []


def test_a_post_only_order_that_would_cross_is_rejected_and_makers_expire() -> None:
    gateway = BookFills()
    crossing = order(liquidity="maker", limit=Price("0.43"))
    assert gateway.place("o1", crossing, "E", book(), TS, 0, FEES).status == "rejected"
    resting = order(liquidity="maker", limit=Price("0.30"), ttl_bars=2)
    gateway.place("o2", resting, "E", book(), TS, 0, FEES)
    assert gateway.end_bar(1, {}) == []
    assert gateway.end_bar(2, {}) == ["o2"] and gateway.resting == []


def test_one_print_is_a_budget_shared_by_all_our_resting_orders() -> None:
    """Issue 23 defect 1: a 10-lot print filled 20 contracts across two of our orders.

    Fails on the old code (each resting order drew the whole print: 20 filled)."""
    gateway = BookFills()
    for order_id in ("o1", "o2"):
        maker = order(liquidity="maker", limit=Price("0.39"), count=Count("10"), ttl_bars=3)
        assert gateway.place(order_id, maker, "E", book(), TS, 0, FEES).status == "resting"
    print_ = TapeTrade((TS + 1) * 1000, "t1", TICKER, Decimal("0.38"), Decimal("10"))
    fills = gateway.on_trades([print_], {"E": FEES})
    assert sum(f.count for _, f in fills) == Count("10")
    assert [order_id for order_id, _ in fills] == ["o1"]  # time priority at one price


def test_the_better_priced_order_draws_on_a_shared_print_first() -> None:
    gateway = BookFills()
    low = order(liquidity="maker", limit=Price("0.38"), count=Count("6"), ttl_bars=3)
    high = order(liquidity="maker", limit=Price("0.39"), count=Count("6"), ttl_bars=3)
    gateway.place("low", low, "E", book(), TS, 0, FEES)
    gateway.place("high", high, "E", book(), TS, 0, FEES)
    print_ = TapeTrade((TS + 1) * 1000, "t1", TICKER, Decimal("0.37"), Decimal("8"))
    fills = gateway.on_trades([print_], {"E": FEES})
    assert [(order_id, f.count) for order_id, f in fills] == [
        ("high", Count("6")),
        ("low", Count("2")),
    ]


def test_a_taker_walking_levels_pays_one_rounded_fee_per_order() -> None:
    """Issue 23 defect 5 (cent era): 0.051471 + 0.03465 = 0.086121 -> $0.09 once.

    Fails on the old code (rounded per fill: 0.06 + 0.04 = $0.10)."""
    cent_era = 1_780_000_000  # 2026-05-28, before 2026-07-07
    placed = BookFills().place("o1", order(), "E", book(), cent_era, 0, FEES)
    assert [f.fee for f in placed.fills] == [Decimal("0.06"), Decimal("0.03")]
    assert sum(f.fee for f in placed.fills) == Decimal("0.09")
