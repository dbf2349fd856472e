"""The strategy protocol shared by the backtester and paper trading: `on_bar(state) -> orders`.

A strategy sees one `BarState` per bar (one minute) of one event and returns the orders it
wants placed at that moment. The state holds only what was *available* at `state.ts`:
quotes and candles already received, features and PMFs computed from them, weather
observed and forecasts issued before ts (each source after its availability delay), our
position and cash. Nothing in it depends on where bars come from: the backtester builds
states from stored candles, snapshots or imported quotes; paper trading builds them the
same way from minute bars of the live book and trades (`engine.state_at` turns any bar of
a `Panel` into a state), so a strategy object runs unchanged in both.

Orders are filled by the execution core `kalshi_tape.backtest.execution` (taker at the
quoted touch plus slippage, never at mid; maker only when later trades go through the
limit) and charged `execution.fees`. Prices in the state are floats (analytics); orders and fills
carry exact `Price` / `Count`.

Positions are net YES contracts per market: buying NO at q is booked as selling YES at
1 − q (same P&L at settlement, same fee since P(1−P) is symmetric), so a negative position
is a NO holding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from kalshi_tape.backtest.execution.fees import FeeSchedule
from kalshi_tape.core.errors import KtapeError
from kalshi_tape.core.money import Count, Price
from kalshi_tape.reference.brackets import Bracket

FloatArray = npt.NDArray[np.float64]
Side = Literal["yes", "no"]
Action = Literal["buy", "sell"]
Liquidity = Literal["taker", "maker"]

# Feature names every state carries (arrays of shape (brackets,)); see features.py.
FEATURE_NAMES = ("p", "p_norm", "vel", "acc", "ras", "clv", "spread", "vol_z")


class StrategyError(KtapeError):
    """An unknown strategy or parameter, or a strategy that returned a bad order."""


@dataclass(frozen=True, slots=True)
class BarState:
    """Everything a strategy may know at `ts` about one event (arrays in ladder order).

    ts            decision time, Unix seconds: the end of the bar; data stamped later is absent
    index         bar number within the event's grid (0 = first minute)
    hour          hours since the start of the climate day (local standard time)
    tickers       the event's bracket markets, lowest temperatures first
    brackets      their payoff intervals (brackets.py)
    yes_bid/ask   top of book at the end of the bar, dollars; NaN when the side is empty
    volume        contracts traded in the bar (NaN when the source has no trades)
    features      FEATURE_NAMES -> (B,) arrays, NaN while a feature warms up
    pmf_market    market-implied PMF over brackets (sums to 1; NaN when no quotes yet)
    pmf_weather   weather-model PMF (None without weather data)
    pmf_fused     pooled (and calibrated) PMF: equals pmf_market without weather
    hazard        P(new daily high in the next step) from the weather model; NaN without
    position      net YES contracts per ticker (negative = NO contracts)
    cash          dollars, after fees (starts at 0; buying costs cash)
    fees          the event's fee schedule
    close_ts      when the markets stop trading (Unix seconds)
    """

    ts: int
    index: int
    event_ticker: str
    hour: float
    tickers: tuple[str, ...]
    brackets: tuple[Bracket, ...]
    yes_bid: FloatArray
    yes_ask: FloatArray
    volume: FloatArray
    features: Mapping[str, FloatArray]
    pmf_market: FloatArray
    pmf_weather: FloatArray | None
    pmf_fused: FloatArray
    hazard: float
    position: Mapping[str, Decimal]
    cash: Decimal
    fees: FeeSchedule
    close_ts: int

    def held(self, ticker: str) -> Decimal:
        return self.position.get(ticker, Decimal(0))

    @property
    def minutes_to_close(self) -> float:
        return (self.close_ts - self.ts) / 60.0


@dataclass(frozen=True, slots=True)
class Order:
    """An order a strategy wants placed now.

    taker: fills at once against the quoted touch (+ slippage) if `limit` (the worst price
           accepted, in the side's own price) allows; unfilled rest is cancelled.
    maker: a post-only limit at `limit` that rests for `ttl_bars` bars; rejected if it would
           cross the book when placed.
    """

    ticker: str
    side: Side
    action: Action
    count: Count
    liquidity: Liquidity = "taker"
    limit: Price | None = None
    ttl_bars: int = 1
    tag: str = ""

    def __post_init__(self) -> None:
        if self.side not in ("yes", "no"):
            raise StrategyError(f"order side must be 'yes' or 'no', got {self.side!r}")
        if self.action not in ("buy", "sell"):
            raise StrategyError(f"order action must be 'buy' or 'sell', got {self.action!r}")
        if self.liquidity not in ("taker", "maker"):
            raise StrategyError(f"order liquidity must be taker or maker, got {self.liquidity!r}")
        if not isinstance(self.count, Count):
            raise StrategyError(f"order count must be a Count, got {self.count!r}")
        if self.limit is not None and not isinstance(self.limit, Price):
            raise StrategyError(f"order limit must be a Price, got {self.limit!r}")
        if self.count <= 0:
            raise StrategyError(f"order count must be positive, got {self.count}")
        if self.liquidity == "maker" and self.limit is None:
            raise StrategyError("a maker order needs a limit price")
        if self.ttl_bars < 1:
            raise StrategyError("ttl_bars must be at least 1")

    @property
    def buys_yes(self) -> bool:
        """Whether the order adds YES exposure (buy YES or sell NO)."""
        return (self.side == "yes") == (self.action == "buy")


@dataclass(frozen=True, slots=True)
class Fill:
    """An execution: `price` is in the traded side's own terms (a NO price for side 'no').

    For the audit trail (`ktape backtest --fills`): `order_id` of the order, `decided_ts` when
    the strategy decided it, `arrived_ts` when it reached the market, and for a maker fill
    `filled_by`: the public trade (`trade_id`) or the bar (`bar:<end ts>`) that filled it."""

    ts: int
    event_ticker: str
    ticker: str
    side: Side
    action: Action
    count: Count
    price: Price
    liquidity: Liquidity
    fee: Decimal
    tag: str = ""
    order_id: str = ""
    decided_ts: int = 0
    arrived_ts: int = 0
    filled_by: str = ""

    @property
    def yes_delta(self) -> Decimal:
        """Change in net YES contracts."""
        sign = 1 if (self.side == "yes") == (self.action == "buy") else -1
        return sign * Decimal(self.count)

    @property
    def yes_price(self) -> Decimal:
        return Decimal(self.price) if self.side == "yes" else 1 - Decimal(self.price)

    @property
    def cash_delta(self) -> Decimal:
        """Cash change in the net-YES book (a NO buy is a YES sale at 1 − price), after fee."""
        return -self.yes_delta * self.yes_price - self.fee


class Strategy(Protocol):
    """What the runner and paper trading call. Keep per-event memory keyed by event ticker."""

    name: str

    def on_bar(self, state: BarState) -> Sequence[Order]:
        """Orders to place at `state.ts` (may be empty)."""
        ...


StrategyFactory = Callable[[Mapping[str, str]], Strategy]


@dataclass(slots=True)
class Registry:
    """Strategy name -> factory(params) and the parameters it accepts (with defaults)."""

    factories: dict[str, StrategyFactory] = field(default_factory=dict)
    params: dict[str, dict[str, str]] = field(default_factory=dict)

    def register(self, name: str, defaults: Mapping[str, str], factory: StrategyFactory) -> None:
        self.factories[name] = factory
        self.params[name] = dict(defaults)

    def create(self, name: str, params: Mapping[str, str]) -> Strategy:
        if name not in self.factories:
            known = ", ".join(sorted(self.factories))
            raise StrategyError(f"unknown strategy {name!r} (known: {known})")
        unknown = sorted(set(params) - set(self.params[name]))
        if unknown:
            allowed = ", ".join(sorted(self.params[name])) or "none"
            raise StrategyError(
                f"unknown parameter(s) {', '.join(unknown)} for strategy {name!r} "
                f"(allowed: {allowed})"
            )
        return self.factories[name]({**self.params[name], **params})


def price_of(value: float) -> Price:
    """A float dollar value as an exact Price on the cent grid, clipped to 0.01..0.99."""
    if value != value:  # NaN
        raise StrategyError("no price: the quote is empty")
    cents = min(99, max(1, round(value * 100)))
    return Price.from_cents(cents)
