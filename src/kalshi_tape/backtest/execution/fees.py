"""Kalshi trading fees from a series' `fee_type` and `fee_multiplier`, exact in Decimal.

The fee schedule (kalshi.com/fee-schedule; shared reference kalshi-api.md §6):

    taker fee = round_up( 0.07   × M × C × P × (1 − P) )
    maker fee = round_up( 0.0175 × M × C × P × (1 − P) )   only where the series has maker fees

C = contracts, P = price in dollars of the side traded (P(1−P) is the same for YES and NO),
M = the series' `fee_multiplier`. `fee_type` decides the maker rate:

    quadratic                        taker only (weather series: KXHIGH*)
    quadratic_with_maker_fees        maker rate 0.25 × taker = 0.0175
    quadratic_with_combo_maker_fees  maker rate 0.50 × taker = 0.035
    flat                             a different table: not modelled, a clear FeeError

Rounding follows the era in force on the trade date (US Eastern calendar date):
before 2026-07-07 the fee of an order is rounded UP to the next cent; from 2026-07-07 the
trade fee is rounded UP to the next centicent ($0.0001) (docs getting_started/fee_rounding).
Every fill of an order, taker or maker, in candle and tape mode and in paper trading, is
charged through the order's fee accumulator (`OrderFees`): the fill pays the rounded-up
running total of the order's exact fee less what its earlier fills paid, so an order's
fees total round_up(rate × Σ C·P·(1−P)) once, never one rounding per partial fill. The
balance-precision "rounding fee" and its rebates converge to the same total over an
order's fills (fee_rounding.md), so they are not modelled. There is no settlement fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo

from kalshi_tape.core.errors import KtapeError
from kalshi_tape.core.money import Count, Price

TAKER_RATE = Decimal("0.07")
MAKER_SHARE = {
    "quadratic": Decimal(0),
    "quadratic_with_maker_fees": Decimal("0.25"),
    "quadratic_with_combo_maker_fees": Decimal("0.5"),
}
CENTICENT_ROUNDING_FROM = date(2026, 7, 7)
CENT = Decimal("0.01")
CENTICENT = Decimal("0.0001")
EASTERN = ZoneInfo("America/New_York")


class FeeError(KtapeError):
    """A fee schedule the backtest cannot price."""


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """The fee terms of one series (or an event override)."""

    fee_type: str = "quadratic"
    fee_multiplier: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        if self.fee_type not in MAKER_SHARE:
            known = ", ".join(sorted(MAKER_SHARE))
            raise FeeError(f"fee_type {self.fee_type!r} is not modelled (known: {known})")
        if self.fee_multiplier < 0:
            raise FeeError(f"negative fee_multiplier {self.fee_multiplier}")

    @property
    def taker_rate(self) -> Decimal:
        return TAKER_RATE * self.fee_multiplier

    @property
    def maker_rate(self) -> Decimal:
        return TAKER_RATE * MAKER_SHARE[self.fee_type] * self.fee_multiplier

    def fee(self, price: Price, count: Count, *, taker: bool, trade_date: date) -> Decimal:
        """The fee in dollars of one order of `count` contracts at `price`, rounded up."""
        return trading_fee(self.taker_rate if taker else self.maker_rate, price, count, trade_date)


def fee_quantum(trade_date: date) -> Decimal:
    """$0.01 before 2026-07-07, $0.0001 from that day on."""
    return CENTICENT if trade_date >= CENTICENT_ROUNDING_FROM else CENT


def trading_fee(rate: Decimal, price: Price, count: Count, trade_date: date) -> Decimal:
    """round_up(rate × C × P × (1 − P)) to the quantum of the trade date's era."""
    p = Decimal(price)
    raw = rate * Decimal(count) * p * (1 - p)
    return raw.quantize(fee_quantum(trade_date), rounding=ROUND_CEILING)


def trade_date_of(ts: int) -> date:
    """The US Eastern calendar date of a Unix-seconds timestamp (the exchange's day)."""
    return datetime.fromtimestamp(ts, UTC).astimezone(EASTERN).date()


def fee_per_contract_estimate(rate: float, p: float) -> float:
    """A float estimate (analytics: edge thresholds) of the fee per contract at price p."""
    return rate * p * (1.0 - p)


class OrderFees:
    """Kalshi's per-order fee accumulator, for every fill of every order of a run."""

    def __init__(self) -> None:
        self._exact: dict[str, Decimal] = {}
        self._paid: dict[str, Decimal] = {}

    def charge(
        self, order_id: str, rate: Decimal, price: Price, count: Count, trade_date: date
    ) -> Decimal:
        """The fee of one fill of `order_id`: the order's rounded running total less what
        its earlier fills paid (the quantum of the fill's trade-date era). An order without
        an id is charged alone."""
        p = Decimal(price)
        if not order_id:
            return trading_fee(rate, price, count, trade_date)
        exact = self._exact.get(order_id, Decimal(0)) + rate * Decimal(count) * p * (1 - p)
        owed = exact.quantize(fee_quantum(trade_date), rounding=ROUND_CEILING)
        paid = self._paid.get(order_id, Decimal(0))
        fee = max(owed - paid, Decimal(0))
        self._exact[order_id], self._paid[order_id] = exact, paid + fee
        return fee

    def forget(self, order_id: str) -> None:
        """Drop a finished order's totals (keeps memory flat over long runs)."""
        self._exact.pop(order_id, None)
        self._paid.pop(order_id, None)
