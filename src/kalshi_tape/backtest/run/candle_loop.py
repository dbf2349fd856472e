"""The bar loop of one event: state -> strategy -> orders -> fills -> ledger -> settlement.

Order of work at bar k (grid time ts[k]):
  1. taker orders decided at bar k−1 fill against bar k's opening quotes (fills.py;
     with taker_price="close" they fill at once at the closing quotes they were decided on);
  2. resting maker orders fill if bar k traded through them;
  3. the strategy sees the state at ts[k] (positions already updated) and places orders.
After the last bar every position settles at $1 (YES result) or $0 from the market result;
an unsettled event is marked at its last mid and flagged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from kalshi_tape.backtest.data.panel import BAR_S, EventMeta, Panel
from kalshi_tape.backtest.execution.candle import (
    BarMaker,
    BarMakers,
    BarQuotes,
    FillRules,
    maker_fills,
    place_maker,
    taker_fill,
)
from kalshi_tape.backtest.strategies.protocol import (
    BarState,
    Fill,
    FloatArray,
    Order,
    Strategy,
    StrategyError,
)


@dataclass(frozen=True, slots=True)
class Probabilities:
    """Per-bar PMFs of one event, (bars, brackets); weather parts None without weather."""

    market: FloatArray
    weather: FloatArray | None
    fused: FloatArray
    hazard: FloatArray


@dataclass(slots=True)
class Ledger:
    position: dict[str, Decimal] = field(default_factory=dict)
    cash: Decimal = Decimal(0)
    fills: list[Fill] = field(default_factory=list)

    def book(self, fill: Fill) -> None:
        self.position[fill.ticker] = self.position.get(fill.ticker, Decimal(0)) + fill.yes_delta
        self.cash += fill.cash_delta
        self.fills.append(fill)


@dataclass(frozen=True, slots=True)
class EventResult:
    event_ticker: str
    fills: tuple[Fill, ...]
    equity: FloatArray  # mark-to-mid equity per bar, dollars
    ts: np.ndarray
    settlement: Decimal  # payout of the final positions
    pnl: Decimal  # cash after fees + settlement
    pnl_by_ticker: Mapping[str, Decimal]
    settled: bool


def state_at(
    panel: Panel,
    features: Mapping[str, FloatArray],
    probs: Probabilities,
    k: int,
    ledger: Ledger,
) -> BarState:
    """The `BarState` of bar k of a whole panel (candle mode)."""
    row = {name: values[k] for name, values in features.items()}
    weather = None if probs.weather is None else probs.weather[k]
    pmfs = (probs.market[k], weather, probs.fused[k], float(probs.hazard[k]))
    quotes = (panel.bid_close[k], panel.ask_close[k], panel.volume[k])
    return bar_state(panel.meta, int(panel.ts[k]), k, quotes, row, pmfs, ledger)


def bar_state(
    meta: EventMeta,
    ts: int,
    k: int,
    quotes: tuple[FloatArray, FloatArray, FloatArray],
    features: Mapping[str, FloatArray],
    pmfs: tuple[FloatArray, FloatArray | None, FloatArray, float],
    ledger: Ledger,
) -> BarState:
    """The `BarState` of bar k (ending at `ts`) from that bar's rows: quotes (YES bid, ask,
    volume), features, PMFs (market, weather, fused, hazard). Tape mode and paper trading
    build it from `FeatureStream` rows, candle mode through `state_at`."""
    bid, ask, volume = quotes
    market, weather, fused, hazard = pmfs
    return BarState(
        ts=ts,
        index=k,
        event_ticker=meta.event_ticker,
        hour=float((ts - meta.day_start_ts) / 3600.0),
        tickers=meta.tickers,
        brackets=meta.brackets,
        yes_bid=bid,
        yes_ask=ask,
        volume=volume,
        features=dict(features),
        pmf_market=market,
        pmf_weather=weather,
        pmf_fused=fused,
        hazard=hazard,
        position=dict(ledger.position),
        cash=ledger.cash,
        fees=meta.fees,
        close_ts=meta.close_ts,
    )


def run_event(
    panel: Panel,
    features: Mapping[str, FloatArray],
    probs: Probabilities,
    strategy: Strategy,
    rules: FillRules,
    bar_s: int = BAR_S,
) -> EventResult:
    meta = panel.meta
    ledger = Ledger()
    book = BarMakers()
    ids = OrderIds(meta.event_ticker)
    pending: list[tuple[str, Order]] = []
    mids = 0.5 * (np.nan_to_num(panel.bid_close, nan=0.0) + np.nan_to_num(panel.ask_close, nan=1.0))
    equity = np.zeros(len(panel.ts))
    for k in range(len(panel.ts)):
        bar = panel.quotes(k)
        _take(ledger, pending, meta, panel.quotes(k - 1) if k else bar, bar, rules)
        pending = []
        for fill in maker_fills(book, meta.tickers, bar, rules, meta.fees):
            ledger.book(fill)
        if panel.ts[k] < meta.close_ts:  # after the close: no new orders
            orders = strategy.on_bar(state_at(panel, features, probs, k, ledger))
            pending, resting = _route(orders, panel, k, rules, ids, bar_s)
            book.resting.extend(resting)
            if rules.taker_price == "close":  # fill now at this bar's closing quotes
                _take(ledger, pending, meta, bar, None, rules)
                pending = []
        equity[k] = _mark(ledger, meta.tickers, mids[k])
    return _settle(panel, ledger, equity, mids[-1] if len(mids) else None)


@dataclass(slots=True)
class OrderIds:
    """Order ids of one event's run: `<event>/o000001`, ... in decision order."""

    event_ticker: str
    n: int = 0

    def next(self) -> str:
        self.n += 1
        return f"{self.event_ticker}/o{self.n:06d}"


def _take(
    ledger: Ledger,
    orders: Sequence[tuple[str, Order]],
    meta: EventMeta,
    decided: BarQuotes,
    arriving: BarQuotes | None,
    rules: FillRules,
) -> None:
    for order_id, order in orders:
        index = meta.tickers.index(order.ticker)
        fill = taker_fill(
            order, meta.event_ticker, index, decided, arriving, rules, meta.fees, order_id
        )
        if fill is not None:
            ledger.book(fill)


def _route(
    orders: Sequence[Order], panel: Panel, k: int, rules: FillRules, ids: OrderIds, bar_s: int
) -> tuple[list[tuple[str, Order]], list[BarMaker]]:
    """Split a strategy's orders into takers (filled at the next bar) and placed makers."""
    tickers, event = panel.meta.tickers, panel.meta.event_ticker
    takers: list[tuple[str, Order]] = []
    resting: list[BarMaker] = []
    for order in orders:
        if not isinstance(order, Order) or order.ticker not in tickers:
            raise StrategyError(f"strategy returned a bad order {order!r} for {event}")
        order_id = ids.next()
        if order.liquidity == "taker":
            takers.append((order_id, order))
            continue
        index = tickers.index(order.ticker)
        placed = place_maker(order, event, index, panel.quotes(k), rules, bar_s, order_id)
        if placed is not None:
            resting.append(placed)
    return takers, resting


def _mark(ledger: Ledger, tickers: tuple[str, ...], mids: FloatArray) -> float:
    value = float(ledger.cash)
    for i, t in enumerate(tickers):
        held = ledger.position.get(t)
        if held:
            value += float(held) * float(mids[i])
    return value


def _settle(
    panel: Panel, ledger: Ledger, equity: FloatArray, last_mid: FloatArray | None
) -> EventResult:
    meta = panel.meta
    payout = Decimal(0)
    by_ticker: dict[str, Decimal] = {}
    for f in ledger.fills:
        by_ticker[f.ticker] = by_ticker.get(f.ticker, Decimal(0)) + f.cash_delta
    for i, ticker in enumerate(meta.tickers):
        held = ledger.position.get(ticker, Decimal(0))
        if not held:
            continue
        if meta.results is not None:
            value = held * (1 if meta.results[i] else 0)
        else:
            mid = 0.0 if last_mid is None else float(last_mid[i])
            value = held * Decimal(str(round(mid, 4)))
        payout += value
        by_ticker[ticker] = by_ticker.get(ticker, Decimal(0)) + value
    if len(equity):
        equity[-1] = float(ledger.cash + payout)
    return EventResult(
        meta.event_ticker,
        tuple(ledger.fills),
        equity,
        panel.ts,
        payout,
        ledger.cash + payout,
        by_ticker,
        meta.results is not None,
    )
