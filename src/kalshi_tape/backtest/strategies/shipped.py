"""The shipped strategies (all taker by default; `liquidity=maker` rests limits instead).

acceleration  the seed's cross-bracket acceleration: buy YES of bracket j when its relative
              acceleration score beats `ras` (lowered by up to `hazard_relief` × hazard when
              the weather model says a new high is likely), its neighbours decelerate and the
              bar's close-location shows no selling (clv >= `clv`; 0.5 = flat or no trades);
              exit on take-profit / stop-loss in dollars, on the opposite signal, or
              `exit_minutes` before close.
fair_value    trade when the fused (calibrated) PMF differs from the price by more than the
              taker fee plus `margin`: buy YES below fair value, buy NO above it.
favourite     baseline: at `hour` of the climate day buy `size` YES of the bracket the market
              rates highest and hold to settlement.

Parameters arrive as strings (`--param k=v`) and are parsed here with clear errors.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from kalshi_tape.backtest.strategies.loader import (
    entry_point_names,
    is_spec,
    load_entry_point,
    load_strategy,
)
from kalshi_tape.backtest.strategies.protocol import (
    BarState,
    FloatArray,
    Liquidity,
    Order,
    Registry,
    Side,
    Strategy,
    StrategyError,
    price_of,
)
from kalshi_tape.core.money import Count


def _num(params: Mapping[str, str], key: str) -> float:
    try:
        value = float(params[key])
    except ValueError:
        raise StrategyError(f"parameter {key}={params[key]!r} is not a number") from None
    if not math.isfinite(value):
        raise StrategyError(f"parameter {key}={params[key]!r} is not finite")
    return value


def _count(params: Mapping[str, str], key: str) -> Count:
    value = _num(params, key)
    if value <= 0:
        raise StrategyError(f"parameter {key} must be positive, got {params[key]}")
    return Count(Decimal(params[key]).quantize(Decimal("0.01")))


def _liquidity(params: Mapping[str, str]) -> Liquidity:
    value = params["liquidity"]
    if value not in ("taker", "maker"):
        raise StrategyError(f"parameter liquidity must be taker or maker, got {value!r}")
    return "taker" if value == "taker" else "maker"


def _order(
    state: BarState, j: int, buy_yes: bool, count: Count, liquidity: Liquidity, tag: str
) -> Order | None:
    """Buy YES (or buy NO) of bracket j; maker limits join the own-side bid (none: no order)."""
    ticker = state.tickers[j]
    side: Side = "yes" if buy_yes else "no"
    if liquidity == "taker":
        return Order(ticker, side, "buy", count, tag=tag)
    bid = float(state.yes_bid[j] if buy_yes else 1.0 - state.yes_ask[j])
    if not math.isfinite(bid):
        return None
    return Order(ticker, side, "buy", count, "maker", price_of(bid), ttl_bars=5, tag=tag)


def _close(state: BarState, j: int, tag: str) -> Order | None:
    """Flatten bracket j at market (sell what we hold)."""
    held = state.held(state.tickers[j])
    if held == 0:
        return None
    side: Side = "yes" if held > 0 else "no"
    return Order(state.tickers[j], side, "sell", Count(abs(held)), tag=tag)


@dataclass
class Acceleration:
    params: Mapping[str, str]
    name: str = "acceleration"
    entries: dict[tuple[str, str], float] = field(default_factory=dict)

    def on_bar(self, state: BarState) -> Sequence[Order]:
        p = self.params
        f = state.features
        mid = f["p"]
        orders: list[Order] = []
        closing = state.minutes_to_close <= _num(p, "exit_minutes")
        for j, ticker in enumerate(state.tickers):
            entry = self.entries.get((state.event_ticker, ticker))
            if entry is None or state.held(ticker) == 0:
                continue
            move = float(mid[j]) - entry
            exit_now = (
                closing
                or move >= _num(p, "take_profit")
                or move <= -_num(p, "stop_loss")
                or f["ras"][j] < -_num(p, "ras")
            )
            if exit_now and (order := _close(state, j, "exit")) is not None:
                orders.append(order)
                del self.entries[(state.event_ticker, ticker)]
        if closing or orders:
            return orders
        hazard = np.array(state.hazard)
        threshold = float(hazard_threshold(_num(p, "ras"), _num(p, "hazard_relief"), hazard))
        for j in self._signals(state, threshold):
            ticker = state.tickers[j]
            if state.held(ticker) == 0 and np.isfinite(state.yes_ask[j]):
                order = _order(state, j, True, _count(p, "size"), _liquidity(p), "ras")
                if order is not None:
                    orders.append(order)
                    self.entries[(state.event_ticker, ticker)] = float(mid[j])
        return orders

    def _signals(self, state: BarState, threshold: float) -> list[int]:
        f = state.features
        hit = acceleration_signals(
            f["ras"], f["acc"], f["clv"], threshold, _num(self.params, "clv")
        )
        return [int(j) for j in np.flatnonzero(hit)]


def acceleration_signals(
    ras: FloatArray, acc: FloatArray, clv: FloatArray, threshold: FloatArray | float, clv_min: float
) -> npt.NDArray[np.bool_]:
    """Entry signal of the acceleration strategy, vectorised over (..., brackets): RAS above
    the (hazard-adjusted) threshold, both neighbours decelerating, no selling in the bar."""
    pad = np.full((*acc.shape[:-1], 1), -np.inf)
    left = np.concatenate((pad, acc[..., :-1]), axis=-1)
    right = np.concatenate((acc[..., 1:], pad), axis=-1)
    thr = np.asarray(threshold)
    if thr.ndim == 1 and ras.ndim == 2:
        thr = thr[:, None]
    out: npt.NDArray[np.bool_] = (ras > thr) & (left <= 0) & (right <= 0) & (clv >= clv_min)
    return out


def hazard_threshold(base: float, relief: float, hazard: FloatArray) -> FloatArray:
    """The RAS threshold, lowered by up to `relief` × hazard where the hazard is known."""
    out: FloatArray = np.where(np.isfinite(hazard), base * (1.0 - relief * hazard), base)
    return out


def fair_value_edges(
    fair: FloatArray, bid: FloatArray, ask: FloatArray, rate: float, margin: float
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(cheap: buy YES, rich: buy NO) where the fair PMF beats the touch by fee + margin."""
    with np.errstate(invalid="ignore"):
        cheap = fair - ask > rate * ask * (1.0 - ask) + margin
        rich = (bid - fair > rate * bid * (1.0 - bid) + margin) & ~cheap
    return cheap, rich


@dataclass
class FairValue:
    params: Mapping[str, str]
    name: str = "fair_value"

    def on_bar(self, state: BarState) -> Sequence[Order]:
        p = self.params
        if state.hour < _num(p, "start_hour") or state.minutes_to_close < _num(p, "exit_minutes"):
            return []
        fair = state.pmf_fused
        if not np.isfinite(fair).all():
            return []
        rate = float(state.fees.taker_rate)
        cap = Decimal(str(_num(p, "max_position")))
        cheap, rich = fair_value_edges(fair, state.yes_bid, state.yes_ask, rate, _num(p, "margin"))
        orders: list[Order] = []
        for j, ticker in enumerate(state.tickers):
            held = state.held(ticker)
            order = None
            if cheap[j] and held < cap:
                order = _order(state, j, True, _count(p, "size"), _liquidity(p), "cheap")
            elif rich[j] and held > -cap:
                order = _order(state, j, False, _count(p, "size"), _liquidity(p), "rich")
            if order is not None:
                orders.append(order)
        return orders


@dataclass
class Favourite:
    params: Mapping[str, str]
    name: str = "favourite"
    bought: set[str] = field(default_factory=set)

    def on_bar(self, state: BarState) -> Sequence[Order]:
        if state.event_ticker in self.bought or state.hour < _num(self.params, "hour"):
            return []
        p = state.pmf_market
        if not np.isfinite(p).all():
            return []
        j = int(np.argmax(p))
        if not np.isfinite(state.yes_ask[j]):
            return []
        order = _order(state, j, True, _count(self.params, "size"), _liquidity(self.params), "fav")
        if order is None:
            return []
        self.bought.add(state.event_ticker)
        return [order]


REGISTRY = Registry()
REGISTRY.register(
    "acceleration",
    {
        "ras": "0.002",
        "clv": "0.5",
        "hazard_relief": "0.5",
        "take_profit": "0.05",
        "stop_loss": "0.05",
        "exit_minutes": "30",
        "size": "10",
        "liquidity": "taker",
    },
    lambda params: Acceleration(params),
)
REGISTRY.register(
    "fair_value",
    {
        "margin": "0.03",
        "size": "5",
        "max_position": "20",
        "start_hour": "-24",
        "exit_minutes": "5",
        "liquidity": "taker",
    },
    lambda params: FairValue(params),
)
REGISTRY.register(
    "favourite",
    {"hour": "10", "size": "10", "liquidity": "taker"},
    lambda params: Favourite(params),
)


def create_strategy(name: str, params: Mapping[str, str]) -> Strategy:
    """The strategy `name`: a shipped one (or added with `REGISTRY.register`), a file or
    module (`path/to/file.py:Name`, `package.module:Name`), or an installed package's
    entry point in the `kalshi_tape.strategies` group."""
    if is_spec(name):
        return load_strategy(name, params)
    if name not in REGISTRY.factories:
        found = load_entry_point(name, params)
        if found is not None:
            return found
        known = ", ".join(sorted([*REGISTRY.factories, *entry_point_names()]))
        raise StrategyError(
            f"unknown strategy {name!r} (known: {known}; or your own as path/to/file.py:Name "
            "or package.module:Name)"
        )
    strategy = REGISTRY.create(name, params)
    # Validate every parameter now: a typo fails before any data is read.
    for key in REGISTRY.params[name]:
        if key != "liquidity":
            _num({**REGISTRY.params[name], **params}, key)
        else:
            _liquidity({**REGISTRY.params[name], **params})
    return strategy
