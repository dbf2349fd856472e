"""No look-ahead: perturb every datum stamped after t; everything before t must not move.

Candles (prices, volumes, rows dropped), weather observations and forecasts after t are
replaced by noise. Features, market / weather / fused PMFs, hazard, the calibrator, the
orders every strategy places (signals) and all fills at or before t must be identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pytest

from kalshi_tape.backtest.data.load import candle_panel, list_events, read_candle_rows
from kalshi_tape.backtest.data.panel import CandleRows, Delays, Panel
from kalshi_tape.backtest.execution.events import event_meta, fee_schedule
from kalshi_tape.backtest.run.runner import BacktestConfig, BacktestResult, run_panels
from kalshi_tape.backtest.signals.weather_mc import WeatherInputs, WeatherParams
from kalshi_tape.backtest.strategies.protocol import BarState, Order
from kalshi_tape.backtest.strategies.shipped import create_strategy
from kalshi_tape.storage import open_store
from tests.backtest.conftest import END, SERIES, START
from tests.backtest.helpers import sim_weather

WEATHER = WeatherParams(paths=200, every_minutes=30)


@dataclass
class Recorder:
    """Wraps a strategy and records every (ts, orders) it returns."""

    inner: object
    name: str = "recorder"
    log: list[tuple[int, tuple[Order, ...]]] = field(default_factory=list)

    def on_bar(self, state: BarState) -> Sequence[Order]:
        orders = tuple(self.inner.on_bar(state))  # type: ignore[attr-defined]
        self.log.append((state.ts, orders))
        return orders


def _perturb_candles(rows: CandleRows, t: int, rng: np.random.Generator) -> CandleRows:
    after = rows.end_ts > t
    keep = ~after | (rng.random(len(after)) < 0.7)  # drop some later rows entirely

    def noisy(values: np.ndarray, scale: float) -> np.ndarray:
        out = values.copy()
        out[after] = np.round(rng.uniform(0.01, scale, after.sum()), 2)
        return out[keep]

    return CandleRows(
        rows.bracket[keep], rows.end_ts[keep],
        noisy(rows.bid_open, 0.99), noisy(rows.bid_close, 0.99),
        noisy(rows.ask_open, 0.99), noisy(rows.ask_close, 0.99),
        noisy(rows.price_low, 0.99), noisy(rows.price_high, 0.99), noisy(rows.price_close, 0.99),
        noisy(rows.volume, 500.0),
    )  # fmt: skip


def _weather(t: int | None, rng: np.random.Generator):  # type: ignore[no-untyped-def]
    def source(panel: Panel, delays: Delays) -> WeatherInputs | None:
        inputs = sim_weather(panel, delays)
        if inputs is None or t is None:
            return inputs
        temps = inputs.obs_temp.copy()
        late = inputs.obs_avail > t
        temps[late] = rng.uniform(-20, 120, late.sum())
        return replace(
            inputs,
            obs_temp=temps,
            fc_avail=np.append(inputs.fc_avail, float(t + 1)),
            fc_high=np.append(inputs.fc_high, 150.0),
        )

    return source


def _run(sim_db: str, strategy: str, t: int | None) -> tuple[BacktestResult, Recorder]:
    rng = np.random.default_rng(99)
    config = BacktestConfig(SERIES, START, END, strategy, weather=WEATHER, calibration="auto")
    with open_store(sim_db) as store:
        fees = fee_schedule(store, SERIES)
        metas = [event_meta(store, e, fees) for e in list_events(store, SERIES, START, END)][:8]
        panels = []
        for meta in metas:
            rows = read_candle_rows(store, meta)
            assert rows is not None
            panels.append(
                candle_panel(
                    meta, rows if t is None else _perturb_candles(rows, t, rng), config.delays
                )
            )
    recorder = Recorder(create_strategy(strategy, {}))
    return run_panels(panels, config, _weather(t, rng), recorder), recorder


def _cut(result: BacktestResult, t: int) -> int:
    """Index of the event running at t."""
    return next(i for i, e in enumerate(result.events) if e.panel.ts[0] <= t <= e.panel.ts[-1])


@pytest.mark.parametrize("strategy", ["fair_value", "acceleration"])
def test_perturbing_the_future_changes_nothing_before_t(sim_db: str, strategy: str) -> None:
    base, base_log = _run(sim_db, strategy, None)
    sixth = base.events[6]  # an event with settled events before it (calibration is fitted)
    t = int(sixth.panel.meta.day_start_ts + 13 * 3600 + 7 * 60)  # 13:07 LST of its day
    moved, moved_log = _run(sim_db, strategy, t)
    k = _cut(base, t)
    assert _cut(moved, t) == k
    for i in range(k + 1):
        a, b = base.events[i], moved.events[i]
        rows = a.panel.ts <= t
        assert np.array_equal(a.panel.ts[rows], b.panel.ts[rows])
        n = int(rows.sum())
        for name in a.features:
            np.testing.assert_array_equal(a.features[name][:n], b.features[name][:n], err_msg=name)
        for part in ("market", "fused", "hazard"):
            np.testing.assert_array_equal(
                getattr(a.probs, part)[:n], getattr(b.probs, part)[:n], part
            )
        assert a.probs.weather is not None and b.probs.weather is not None
        np.testing.assert_array_equal(a.probs.weather[:n], b.probs.weather[:n])
        assert a.calibrator == b.calibrator
        assert [f for f in a.result.fills if f.ts <= t] == [f for f in b.result.fills if f.ts <= t]
    assert [e for e in base_log.log if e[0] <= t] == [e for e in moved_log.log if e[0] <= t]
    # The perturbation is real: something after t did change.
    last = k
    assert not np.array_equal(
        base.events[last].features["p"], moved.events[last].features["p"], equal_nan=True
    )
    assert base.events[k].calibrator != "" and any(e[1] for e in base_log.log if e[0] <= t)
