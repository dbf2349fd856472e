"""Backtest hot paths on one core: candle mode's features, PMFs and signals in
bracket-minutes per second; tape mode's replay in events per second and µs per fill.

    .venv/bin/python benchmarks/bench_backtest.py [--events 100] [--repeat 5] [--quick]
        [--skip-candles] [--skip-tape] [--profile]

Input: synthetic events (6 brackets, 2,280 one-minute bars each = 38 h from the market open
to the close), random-walk quotes aligned into panels. Timed (CPU seconds of the process,
best of --repeat): every feature (`compute_features`), the market PMF (p_norm), log pooling
with a weather PMF, calibration (temperature), and both strategies' vectorised entry signals.
The weather Monte-Carlo (evaluated every 15 minutes, held in between) is timed separately.
Threads are pinned to one (OMP/OpenBLAS) so the figure is per core. Target (issue 23):
at least 5,000,000 bracket-minutes/s. Prints the load average: the machine is shared.

Tape mode (`bench_tape`): one synthetic event (6 brackets, 38 h of book) as snapshots, deltas
(never underflowing) and trades, fed through tape mode's own feed loop (`tape._feed`) into a
`BookEngine`, three times: a strategy that never trades (the baseline), one with ~1k taker
fills and one with ~100k. Events per second = messages / CPU seconds of the baseline; µs per
fill = (CPU seconds - baseline) / fills, which should not grow with the number of fills.
Target (issue 23): at least 300,000 events/s.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402
from collections import deque  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from kalshi_tape.backtest.data.panel import (  # noqa: E402
    CandleRows,
    EventMeta,
    Panel,
    minute_grid,
    panel_from_candles,
)
from kalshi_tape.backtest.execution.book import TapeTrade  # noqa: E402
from kalshi_tape.backtest.execution.bookengine import BookEngine  # noqa: E402
from kalshi_tape.backtest.execution.fees import FeeSchedule  # noqa: E402
from kalshi_tape.backtest.run.tape import _feed  # noqa: E402
from kalshi_tape.backtest.signals.calibration import Calibrator, log_pool, market_weight  # noqa: E402
from kalshi_tape.backtest.signals.features import compute_features  # noqa: E402
from kalshi_tape.backtest.signals.weather_mc import WeatherInputs, WeatherParams, weather_pmf  # noqa: E402
from kalshi_tape.backtest.strategies.protocol import BarState, Order  # noqa: E402
from kalshi_tape.backtest.strategies.shipped import (  # noqa: E402
    acceleration_signals,
    fair_value_edges,
    hazard_threshold,
)
from kalshi_tape.core.money import Count, Price  # noqa: E402
from kalshi_tape.reference.brackets import Bracket  # noqa: E402

BRACKETS = 6
BARS = 2280
T0 = 1_794_236_400


def ladder() -> tuple[Bracket, ...]:
    d = Decimal
    out = [Bracket("T50", "less", None, d(50), False, False)]
    out += [
        Bracket(f"B{50 + 2 * i}.5", "between", d(50 + 2 * i), d(51 + 2 * i), True, True)
        for i in range(4)
    ]
    out.append(Bracket("T57", "greater", d(57), None, False, False))
    return tuple(out)


def make_meta(k: int) -> EventMeta:
    start = T0 + k * 86400
    return EventMeta(
        f"KXBENCH-{k}",
        "KXBENCH",
        tuple(b.ticker for b in ladder()),
        ladder(),
        FeeSchedule(),
        start + BARS * 60,
        start + 14 * 3600,
        start + BARS * 60 + 3600,
        None,
    )


def make_panel(rng: np.random.Generator, k: int) -> Panel:
    start = T0 + k * 86400
    meta = make_meta(k)
    logits = np.cumsum(rng.normal(0, 0.03, (BARS, BRACKETS)), axis=0) + rng.normal(0, 1, BRACKETS)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    mid = np.clip(np.round(p, 2), 0.01, 0.99)
    spread = rng.choice([0.01, 0.02, 0.03], (BARS, BRACKETS))
    bracket = np.tile(np.arange(BRACKETS), BARS)
    ends = np.repeat(start + 60 * np.arange(1, BARS + 1), BRACKETS)
    bid, ask = (mid - spread / 2).ravel(), (mid + spread / 2).ravel()
    traded = rng.random(bid.size) < 0.3
    price = np.where(traded, mid.ravel(), np.nan)
    rows = CandleRows(
        bracket,
        ends,
        bid,
        bid,
        ask,
        ask,
        price - 0.01,
        price + 0.01,
        price,
        np.where(traded, rng.integers(1, 50, bid.size), 0).astype(float),
    )
    return panel_from_candles(meta, rows, minute_grid(start + 60, start + BARS * 60))


def hot_path(panel: Panel, wx: np.ndarray, hazard: np.ndarray) -> int:
    f = compute_features(panel)
    fused = log_pool(f["p_norm"], wx, market_weight(f["vol_z"]))
    fused = Calibrator("temperature", temperature=1.1).apply(fused)
    thr = hazard_threshold(0.002, 0.5, hazard)
    hits = acceleration_signals(f["ras"], f["acc"], f["clv"], thr, 0.5)
    cheap, rich = fair_value_edges(fused, panel.bid_close, panel.ask_close, 0.07, 0.03)
    return int(hits.sum() + cheap.sum() + rich.sum())


LEVELS = [Decimal(c) / 100 for c in range(1, 50)]


def tape_messages(
    rng: np.random.Generator, meta: EventMeta, per_bar: int
) -> tuple[list[tuple[str, Any]], list[TapeTrade]]:
    """One snapshot per market, then `per_bar` deltas and trades per bar (1 in 10 a trade)."""
    sizes = {(t, s, p): 1000 for t in meta.tickers for s in ("yes", "no") for p in LEVELS}
    level = tuple((Price(p), Count("1000")) for p in LEVELS)
    messages: list[tuple[str, Any]] = [("snapshot", (t, level, level, None)) for t in meta.tickers]
    trades: list[TapeTrade] = []
    start_ms = (meta.close_ts - BARS * 60) * 1000
    n = BARS * per_bar
    stamps = start_ms + np.sort(rng.integers(1, BARS * 60_000, n))
    which, sides = rng.integers(0, BRACKETS, n), rng.integers(0, 2, n)
    prices, amounts = rng.integers(40, 49, n), rng.integers(1, 40, n)
    for i in range(n):
        ticker, ts = meta.tickers[which[i]], int(stamps[i])
        if i % 10 == 9:
            trades.append(TapeTrade(ts, f"t{i}", ticker, Decimal(int(prices[i])) / 100, Decimal(5)))
            continue
        side, price = ("yes", "no")[sides[i]], LEVELS[int(prices[i]) - 1]
        held = sizes[ticker, side, price]
        change = int(amounts[i]) if held < 500 or i % 2 else -min(int(amounts[i]), held - 1)
        sizes[ticker, side, price] = held + change
        item = {"market_ticker": ticker, "side": side, "price": price,
                "delta": Decimal(change), "exchange_ts_ms": ts}  # fmt: skip
        messages.append(("delta", item))
    return messages, trades


@dataclass
class Churn:
    """Every `every` bars, `orders` one-lot YES taker buys of each bracket in turn."""

    every: int
    orders: int
    name: str = "churn"

    def on_bar(self, state: BarState) -> Sequence[Order]:
        if self.orders == 0 or state.index % self.every:
            return []
        tickers = state.tickers
        one = Count("1")
        return [Order(tickers[i % len(tickers)], "yes", "buy", one) for i in range(self.orders)]


def replay(
    meta: EventMeta, tape: tuple[list[tuple[str, Any]], list[TapeTrade]], strategy: Churn
) -> tuple[float, int]:
    """CPU seconds to replay the tape through tape mode's feed loop, and the fills made."""
    engine = BookEngine([meta], Churn(strategy.every, strategy.orders))
    messages, trades = tape
    t = time.process_time()
    _feed(engine, messages, deque(trades))
    return time.process_time() - t, len(engine.fills)


STRATEGIES = (Churn(1, 0), Churn(2, 1), Churn(1, 44))  # no fills, ~1k, ~100k


def bench_tape(rng: np.random.Generator, per_bar: int, repeat: int, profile: bool) -> None:
    """Best of `repeat` for each strategy, the runs interleaved so load drifts hit all three."""
    meta = make_meta(0)
    tape = tape_messages(rng, meta, per_bar)
    count = len(tape[0]) + len(tape[1])
    best = [float("inf")] * len(STRATEGIES)
    fills = [0] * len(STRATEGIES)
    for _ in range(repeat):
        for i, strategy in enumerate(STRATEGIES):
            took, fills[i] = replay(meta, tape, strategy)
            best[i] = min(best[i], took)
    base = best[0]
    print(f"tape replay, no orders: {count:,} events in {base:.3f} s CPU = "
          f"{count / base:,.0f} events/s (target >= 300,000)")  # fmt: skip
    for took, n in zip(best[1:], fills[1:], strict=True):
        print(f"tape replay, {n:,} fills: {took:.3f} s CPU, {count / took:,.0f} events/s, "
              f"{(took - base) / n * 1e6:.1f} µs per fill over the no-order run")  # fmt: skip
    if profile:
        with cProfile.Profile() as prof:
            replay(meta, tape, STRATEGIES[-1])
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)


def bench_candles(rng: np.random.Generator, events: int, repeat: int) -> list[Panel]:
    panels = [make_panel(rng, k) for k in range(events)]
    wx = rng.dirichlet(np.ones(BRACKETS), BARS)
    hazard = rng.random(BARS) * 0.3
    cells = events * BARS * BRACKETS
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        for panel in panels:
            hot_path(panel, wx, hazard)
        best = min(best, time.process_time() - t)
    print(
        f"features + PMF + fusion + calibration + signals: {cells:,} bracket-minutes, {best:.3f} s "
        f"CPU = {cells / best:,.0f} bracket-minutes/s (target >= 5,000,000)"
    )
    return panels


def bench_weather(panels: Sequence[Panel], events: int) -> None:
    params = WeatherParams(paths=1000, every_minutes=15)
    inputs = WeatherInputs(
        np.array([T0 + 15.0 * 3600]),
        np.array([T0 + 15.0 * 3600]),
        np.array([50.0]),
        np.array([float(T0)]),
        np.array([53.0]),
    )
    n_wx = max(1, events // 10)
    t = time.process_time()
    for panel in panels[:n_wx]:
        weather_pmf(inputs, panel.meta.brackets, panel.ts, panel.meta.day_start_ts, params)
    took = time.process_time() - t
    wx_cells = n_wx * BARS * BRACKETS
    print(
        f"weather Monte-Carlo (1,000 paths every 15 min, held): {wx_cells:,} bracket-minutes "
        f"in {took:.3f} s CPU = {wx_cells / took:,.0f} bracket-minutes/s"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--per-bar", type=int, default=200, help="tape messages per bar")
    ap.add_argument("--skip-candles", action="store_true")
    ap.add_argument("--skip-tape", action="store_true")
    ap.add_argument("--profile", action="store_true", help="cProfile the busiest tape replay")
    args = ap.parse_args()
    events = 10 if args.quick else args.events
    rng = np.random.default_rng(13)
    print(f"load average before: {os.getloadavg()}")
    if not args.skip_candles:
        panels = bench_candles(rng, events, 1 if args.quick else args.repeat)
        bench_weather(panels, events)
    if not args.skip_tape:
        bench_tape(rng, 20 if args.quick else args.per_bar, 1 if args.quick else 5, args.profile)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
