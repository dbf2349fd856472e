"""Fill rules: taker at the touch plus slippage (never mid), maker only on trade-through."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest

from kalshi_tape.backtest.execution.candle import (
    BarMakers,
    BarQuotes,
    FillRules,
    maker_fills,
    place_maker,
    taker_fill,
)
from kalshi_tape.backtest.execution.fees import FeeSchedule
from kalshi_tape.backtest.strategies.protocol import Fill, Order
from kalshi_tape.core.money import Count, Price

TICKERS = ("A", "B")
FEES = FeeSchedule()
TS = 1_800_000_000 - 1_800_000_000 % 60  # 2027: centicent rounding era


def bar(
    ts: int, bid: float, ask: float, low: float = np.nan, high: float = np.nan, volume: float = 0.0
) -> BarQuotes:
    a = lambda x: np.array([x, np.nan])  # noqa: E731
    return BarQuotes(ts, a(bid), a(ask), a(bid), a(ask), a(low), a(high), a(volume))


def test_taker_buys_at_the_next_open_ask_plus_slippage() -> None:
    order = Order("A", "yes", "buy", Count("10"))
    fill = taker_fill(
        order, "E", 0, bar(TS, 0.40, 0.44), bar(TS + 60, 0.41, 0.45), FillRules(), FEES
    )
    assert fill is not None
    assert fill.price == Price("0.4600") and fill.ts == TS + 60 and fill.liquidity == "taker"
    assert fill.fee == Decimal("0.1739")  # 0.07 × 10 × 0.46 × 0.54 = 0.17388, up to $0.0001
    assert fill.cash_delta == -Decimal("4.6") - fill.fee


def test_taker_sides_use_the_other_touch_and_never_mid() -> None:
    rules = FillRules(slippage=Decimal(0), taker_price="close")
    quotes = bar(TS, 0.40, 0.44)
    prices = {}
    for side in ("yes", "no"):
        for action in ("buy", "sell"):
            f = taker_fill(Order("A", side, action, Count(1)), "E", 0, quotes, None, rules, FEES)  # type: ignore[arg-type]
            assert f is not None
            prices[side, action] = f.price
    assert prices == {
        ("yes", "buy"): Price("0.44"), ("yes", "sell"): Price("0.40"),
        ("no", "buy"): Price("0.60"), ("no", "sell"): Price("0.56"),
    }  # fmt: skip
    assert Price("0.42") not in prices.values()


def test_taker_needs_a_quote_and_respects_its_limit() -> None:
    empty = bar(TS, np.nan, np.nan)
    assert (
        taker_fill(Order("A", "yes", "buy", Count(1)), "E", 0, empty, empty, FillRules(), FEES)
        is None
    )
    limited = Order("A", "yes", "buy", Count(1), limit=Price("0.44"))
    assert (
        taker_fill(limited, "E", 0, bar(TS, 0.4, 0.44), bar(TS + 60, 0.4, 0.44), FillRules(), FEES)
        is None
    )


def _rest(order: Order, rules: FillRules) -> BarMakers:
    placed = place_maker(order, "E", 0, bar(TS, 0.40, 0.44), rules, 60)
    assert placed is not None
    return BarMakers([placed])


def test_maker_fills_only_when_the_next_bar_trades_through() -> None:
    order = Order("A", "yes", "buy", Count("10"), "maker", Price("0.41"), ttl_bars=3)
    rules = FillRules()
    book = _rest(order, rules)
    assert (
        maker_fills(
            book, TICKERS, bar(TS + 60, 0.40, 0.44, low=0.41, high=0.43, volume=50), rules, FEES
        )
        == []
    )
    fills = maker_fills(
        book, TICKERS, bar(TS + 120, 0.39, 0.44, low=0.40, high=0.43, volume=4), rules, FEES
    )
    assert [(f.count, f.price, f.liquidity) for f in fills] == [
        (Count("4"), Price("0.41"), "maker")
    ]
    assert fills[0].fee == Decimal(0)  # quadratic series: no maker fee
    fills = maker_fills(
        book, TICKERS, bar(TS + 180, 0.39, 0.44, low=0.35, high=0.43, volume=100), rules, FEES
    )
    assert [f.count for f in fills] == [Count("6")] and book.resting == []


def test_maker_queue_ahead_and_expiry() -> None:
    order = Order("A", "yes", "buy", Count("10"), "maker", Price("0.41"), ttl_bars=2)
    rules = FillRules(queue_ahead=Decimal("30"))
    book = _rest(order, rules)
    trade = bar(TS + 60, 0.39, 0.44, low=0.30, high=0.43, volume=35)
    assert [f.count for f in maker_fills(book, TICKERS, trade, rules, FEES)] == [Count("5")]
    assert book.resting  # 5 left, one bar of life left
    maker_fills(book, TICKERS, bar(TS + 120, 0.4, 0.44), rules, FEES)
    assert book.resting == []
    assert maker_fills(book, TICKERS, trade, rules, FEES) == []


def test_post_only_maker_that_would_cross_is_rejected_and_no_volume_means_no_fill() -> None:
    crossing = Order("A", "yes", "buy", Count(1), "maker", Price("0.45"))
    assert place_maker(crossing, "E", 0, bar(TS, 0.40, 0.44), FillRules(), 60) is None
    order = Order("A", "no", "buy", Count(2), "maker", Price("0.55"))  # = sell YES at 0.45
    book = _rest(order, FillRules())
    quotes_only = bar(TS + 60, 0.40, 0.44, low=np.nan, high=np.nan, volume=np.nan)
    assert maker_fills(book, TICKERS, quotes_only, FillRules(), FEES) == []


def test_fill_bookkeeping_in_net_yes_terms() -> None:
    f = Fill(TS, "E", "A", "no", "buy", Count(3), Price("0.30"), "taker", Decimal("0.05"))
    assert f.yes_delta == -3 and f.yes_price == Decimal("0.70")
    assert f.cash_delta == Decimal("2.10") - Decimal("0.05")


def test_one_bar_volume_is_a_budget_shared_by_all_our_resting_orders() -> None:
    """Issue 23 defect 1: a bar with volume 10 filled 30 across three of our orders.

    Fails on the old code (each resting order drew the whole bar volume)."""
    rules = FillRules()
    order = Order("A", "yes", "buy", Count("10"), "maker", Price("0.41"), ttl_bars=3)
    book = BarMakers()
    for _ in range(3):
        book.resting.extend(_rest(order, rules).resting)
    trade = bar(TS + 60, 0.39, 0.44, low=0.35, high=0.43, volume=10)
    fills = maker_fills(book, TICKERS, trade, rules, FEES)
    assert sum(f.count for f in fills) == Count("10")


@pytest.mark.parametrize(
    ("day", "per_order", "per_fill"),
    [
        (datetime(2026, 5, 1, 16, tzinfo=UTC), "0.44", "0.46"),  # cent era
        (datetime(2026, 11, 20, 16, tzinfo=UTC), "0.4375", "0.4376"),  # centicent era
    ],
)
def test_candle_maker_partial_fills_pay_one_rounding_per_order(
    day: datetime, per_order: str, per_fill: str
) -> None:
    """Defect 5 in candle mode: a maker buying 100 at $0.50 filled 30 + 30 + 40 over three
    bars pays round_up(0.0175 × 100 × 0.25) once, not one rounding per bar ($`per_fill`)."""
    ts = int(day.timestamp()) // 60 * 60
    fees = FeeSchedule("quadratic_with_maker_fees")
    order = Order("A", "yes", "buy", Count("100"), "maker", Price("0.50"), ttl_bars=5)
    placed = place_maker(order, "E", 0, bar(ts, 0.40, 0.52), FillRules(), 60, "E/o000001")
    assert placed is not None
    book = BarMakers([placed])
    fills = [
        fill
        for k, volume in enumerate((30.0, 30.0, 40.0), start=1)
        for fill in maker_fills(
            book, TICKERS, bar(ts + 60 * k, 0.4, 0.52, 0.49, 0.49, volume), FillRules(), fees
        )
    ]
    assert [f.count for f in fills] == [Count(30), Count(30), Count(40)]
    assert sum(f.fee for f in fills) == Decimal(per_order) != Decimal(per_fill)
    assert [f.filled_by for f in fills] == [f"bar:{ts + 60 * k}" for k in (1, 2, 3)]
    assert {f.order_id for f in fills} == {"E/o000001"}
