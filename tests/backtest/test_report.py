"""The runner end to end on simulator history: deterministic report, calibration by hour."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from kalshi_tape.backtest.report.html import render
from kalshi_tape.backtest.run.runner import BacktestConfig, BacktestResult, run_backtest
from kalshi_tape.backtest.signals.scoring import calibration_summary
from kalshi_tape.backtest.signals.weather_mc import WeatherParams
from kalshi_tape.storage import open_store
from tests.backtest.conftest import END, SERIES, START
from tests.backtest.helpers import sim_weather

WEATHER = WeatherParams(paths=200, every_minutes=30)


def _run(
    sim_db: str, strategy: str, seed: int = 0, weather: bool = True, end: date = END
) -> BacktestResult:
    config = BacktestConfig(SERIES, START, end, strategy, seed=seed, weather=WEATHER)
    with open_store(sim_db) as store:
        return run_backtest(store, config, sim_weather if weather else None)


def test_same_inputs_and_seed_give_a_byte_identical_report(sim_db: str) -> None:
    end = START + timedelta(days=4)
    first = render(_run(sim_db, "fair_value", seed=5, end=end)).encode()
    second = render(_run(sim_db, "fair_value", seed=5, end=end)).encode()
    assert first == second
    other_seed = render(_run(sim_db, "fair_value", seed=6, end=end)).encode()
    assert other_seed != first  # the seed reaches the weather Monte-Carlo
    text = first.decode()
    for section in ("Equity", "Maker / taker", "Calibration", "fig-reliability", "fig-ladder",
                    "fig-brier-hour", "Trades", "walk-forward temperature"):  # fmt: skip
        assert section in text
    assert "<script src=" not in text and text.count("Copyright (c) Plotly") <= 2  # inlined once


def test_market_pmf_is_better_late_in_the_day_and_calibration_does_not_hurt(sim_db: str) -> None:
    result = _run(sim_db, "favourite", weather=True)
    summary = calibration_summary(result)
    by_hour = summary.by_hour["market"]
    early = np.mean([by_hour[h].brier for h in range(0, 8)])
    late = np.mean([by_hour[h].brier for h in range(16, 24)])
    assert late < early / 10
    early_ece = np.mean([by_hour[h].ece for h in range(0, 8)])
    late_ece = np.mean([by_hour[h].ece for h in range(16, 24)])
    assert late_ece < early_ece
    fused = summary.overall["fused"].brier  # market pooled with the weather model
    calibrated = summary.overall["calibrated"].brier  # walk-forward calibration of that
    assert calibrated <= fused + 1e-12
    assert fused < summary.overall["market"].brier  # the weather model adds information
    for name in ("walk-forward none", "walk-forward platt", "walk-forward isotonic",
                 "walk-forward temperature"):  # fmt: skip
        assert summary.overall[name].n == summary.overall["market"].n


def test_every_strategy_settles_at_one_or_zero(sim_db: str) -> None:
    result = _run(sim_db, "favourite", weather=False)
    assert len(result.events) == 12
    for run in result.events:
        fills = run.result.fills
        assert len(fills) == 1  # one favourite per event
        f = fills[0]
        results = run.panel.meta.results
        assert results is not None
        won = results[run.panel.meta.tickers.index(f.ticker)]
        expected = (1 if won else 0) * f.count - f.count * f.price - f.fee
        assert run.result.pnl == expected
