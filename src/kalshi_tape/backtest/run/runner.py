"""Run a strategy over a series and date range: panels -> features -> PMFs -> calibration
(walk-forward) -> bar loop -> settlement -> scores.

Events run in climate-day order. The calibrator used on an event is fitted only on events
whose settlement time is before that event's first bar; weather-model parameters only on
earlier days' observations. Everything random is seeded from `BacktestConfig.seed`.

`BacktestConfig.data` picks the data mode: "candles" (stored candles or imported quotes,
bar fills by `FillRules`) or "tape" (the recorded L2 book and trades, depth-aware fills:
`tape`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from kalshi_tape.backtest.data.load import list_events, load_panel
from kalshi_tape.backtest.data.panel import Delays, Panel
from kalshi_tape.backtest.execution.events import event_meta, fee_schedule
from kalshi_tape.backtest.run.candle_loop import Probabilities, run_event
from kalshi_tape.backtest.run.results import (
    DATA_MODES,
    BacktestConfig,
    BacktestResult,
    DataMode,
    EventRun,
)
from kalshi_tape.backtest.run.tape import run_tape
from kalshi_tape.backtest.signals.calibration import WalkForward, log_pool, market_weight
from kalshi_tape.backtest.signals.features import compute_features
from kalshi_tape.backtest.signals.metrics import one_hot
from kalshi_tape.backtest.signals.weather_mc import (
    WeatherInputs,
    WeatherParams,
    fit_params,
    past_day,
    weather_pmf,
)
from kalshi_tape.backtest.strategies.protocol import FloatArray, Strategy
from kalshi_tape.backtest.strategies.shipped import create_strategy
from kalshi_tape.storage import Store

__all__ = [
    "DATA_MODES",
    "BacktestConfig",
    "BacktestResult",
    "DataMode",
    "EventRun",
    "event_probabilities",
    "run_backtest",
    "run_panels",
]

WeatherSource = Callable[[Panel, Delays], WeatherInputs | None]


def event_probabilities(
    panel: Panel,
    features: Mapping[str, FloatArray],
    inputs: WeatherInputs | None,
    config: BacktestConfig,
    weather: WeatherParams,
) -> tuple[Probabilities, FloatArray]:
    """(probabilities with the fused PMF not yet calibrated, the raw fused PMF)."""
    market = features["p_norm"]
    if inputs is None:
        return Probabilities(market, None, market, np.full(len(panel.ts), np.nan)), market
    wx, hazard = weather_pmf(
        inputs, panel.meta.brackets, panel.ts, panel.meta.day_start_ts, weather
    )
    weight = market_weight(features["vol_z"], config.pool_base, config.pool_activity)
    fused = log_pool(market, wx, weight)
    return Probabilities(market, wx, fused, hazard), fused


def _past_days(
    runs: Sequence[tuple[Panel, WeatherInputs | None]],
) -> list[tuple[FloatArray, FloatArray, float, float | None]]:
    days = (
        past_day(inputs, panel.meta.day_start_ts) for panel, inputs in runs if inputs is not None
    )
    return [day for day in days if day is not None]


def run_backtest(
    store: Store,
    config: BacktestConfig,
    weather_source: WeatherSource | None = None,
    strategy: Strategy | None = None,
) -> BacktestResult:
    strategy = strategy or create_strategy(config.strategy, config.params)
    if config.data == "tape":
        return run_tape(store, config, strategy)
    fees = fee_schedule(store, config.series)
    metas = [
        event_meta(store, e, fees)
        for e in list_events(store, config.series, config.start, config.end)
    ]
    panels = sorted(
        (load_panel(store, m, config.delays, config.bar_s) for m in metas),
        key=lambda p: p.meta.day_start_ts,
    )
    return run_panels(panels, config, weather_source, strategy)


def run_panels(
    panels: Sequence[Panel],
    config: BacktestConfig,
    weather_source: WeatherSource | None = None,
    strategy: Strategy | None = None,
) -> BacktestResult:
    """The backtest over already-built panels (tests and paper trading use this directly)."""
    strategy = strategy or create_strategy(config.strategy, config.params)
    runs: list[EventRun] = []
    done: list[tuple[Panel, WeatherInputs | None, FloatArray]] = []
    calibration = WalkForward()
    fed: set[int] = set()  # indices into `done` already given to the calibration
    any_weather = False
    for panel in panels:
        first_ts = int(panel.ts[0])
        # Settled before this event's first bar, in settlement order (walk-forward).
        ready = sorted(
            (p.meta.settled_ts, i)
            for i, (p, _, _) in enumerate(done)
            if p.meta.results is not None and p.meta.settled_ts < first_ts and i not in fed
        )
        for _, i in ready:
            p, _, fused = done[i]
            assert p.meta.results is not None
            y = one_hot(p.meta.results, len(p.ts))
            calibration.add(fused[:: config.fit_every], y[:: config.fit_every])
            fed.add(i)
        earlier = [(p, i) for p, i, _ in done if p.meta.day_start_ts + 86400 <= panel.ts[0]]
        params = fit_params(_past_days(earlier), replace(config.weather, seed=config.seed))
        inputs = weather_source(panel, config.delays) if weather_source else None
        any_weather = any_weather or inputs is not None
        features = compute_features(panel, config.features)
        probs, fused_raw = event_probabilities(panel, features, inputs, config, params)
        calibrator = calibration.best(config.calibration)
        probs = replace(probs, fused=calibrator.apply(fused_raw))
        result = run_event(panel, features, probs, strategy, config.rules, config.bar_s)
        runs.append(EventRun(panel, features, probs, fused_raw, calibrator.method, result))
        done.append((panel, inputs, fused_raw))
    return BacktestResult(config, tuple(runs), any_weather)
