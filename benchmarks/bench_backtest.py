"""Backtest hot path on one core: features, PMFs and signals, in bracket-minutes per second.

    .venv/bin/python benchmarks/bench_backtest.py [--events 100] [--repeat 5] [--quick]

Input: synthetic events (6 brackets, 2,280 one-minute bars each = 38 h from the market open
to the close), random-walk quotes aligned into panels. Timed (CPU seconds of the process,
best of --repeat): every feature (`compute_features`), the market PMF (p_norm), log pooling
with a weather PMF, calibration (temperature), and both strategies' vectorised entry signals.
The weather Monte-Carlo (evaluated every 15 minutes, held in between) is timed separately.
Threads are pinned to one (OMP/OpenBLAS) so the figure is per core. Target (issue 13):
at least 2,000,000 bracket-minutes/s. Prints the load average: the machine is shared.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from decimal import Decimal  # noqa: E402

import numpy as np  # noqa: E402

from kalshi_tape.backtest.calibration import Calibrator, log_pool, market_weight  # noqa: E402
from kalshi_tape.backtest.execution.fees import FeeSchedule  # noqa: E402
from kalshi_tape.backtest.features import compute_features  # noqa: E402
from kalshi_tape.backtest.panel import CandleRows, EventMeta, Panel, minute_grid, panel_from_candles  # noqa: E402
from kalshi_tape.backtest.strategies import (  # noqa: E402
    acceleration_signals,
    fair_value_edges,
    hazard_threshold,
)
from kalshi_tape.backtest.weather import WeatherInputs, WeatherParams, weather_pmf  # noqa: E402
from kalshi_tape.brackets import Bracket  # noqa: E402

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


def make_panel(rng: np.random.Generator, k: int) -> Panel:
    start = T0 + k * 86400
    meta = EventMeta(
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    events = 10 if args.quick else args.events
    rng = np.random.default_rng(13)
    print(f"load average before: {os.getloadavg()}")
    panels = [make_panel(rng, k) for k in range(events)]
    wx = rng.dirichlet(np.ones(BRACKETS), BARS)
    hazard = rng.random(BARS) * 0.3
    cells = events * BARS * BRACKETS
    best = float("inf")
    for _ in range(1 if args.quick else args.repeat):
        t = time.process_time()
        for panel in panels:
            hot_path(panel, wx, hazard)
        best = min(best, time.process_time() - t)
    print(
        f"features + PMF + fusion + calibration + signals: {cells:,} bracket-minutes, {best:.3f} s "
        f"CPU = {cells / best:,.0f} bracket-minutes/s (target >= 2,000,000)"
    )
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
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
