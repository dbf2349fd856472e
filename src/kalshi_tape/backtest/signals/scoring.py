"""Scores of a backtest's probabilities: market, fused, calibrated; overall and per hour.

Every calibration method is also scored walk-forward (each event by a calibrator fitted
on events settled before it), so the report shows what calibration would have done.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kalshi_tape.backtest.run.runner import BacktestResult, EventRun
from kalshi_tape.backtest.signals.calibration import METHODS, Method, fit
from kalshi_tape.backtest.signals.metrics import (
    Reliability,
    Scores,
    reliability,
    scores,
    scores_by_hour,
)
from kalshi_tape.backtest.strategies.protocol import FloatArray


@dataclass(frozen=True, slots=True)
class Calibration:
    overall: dict[str, Scores]  # market, fused, calibrated, walk-forward per method
    by_hour: dict[str, dict[int, Scores]]  # market, calibrated
    reliability: dict[str, Reliability]  # before (fused), after (calibrated)


def _settled(result: BacktestResult) -> list[EventRun]:
    return [e for e in result.events if e.panel.meta.results is not None]


def _stack(runs: list[EventRun], pick: str) -> FloatArray:
    """market: p_norm; fused: pooled before calibration; calibrated: what strategies saw."""
    parts = {
        "market": [e.probs.market for e in runs],
        "fused": [e.fused_raw for e in runs],
        "calibrated": [e.probs.fused for e in runs],
    }[pick]
    return np.vstack(parts)


def walk_forward(runs: list[EventRun], method: Method, every: int) -> tuple[FloatArray, FloatArray]:
    """Each event scored by `method` fitted on the events settled before its first bar."""
    ps, ys = [], []
    for i, e in enumerate(runs):
        first = int(e.panel.ts[0])
        past = [r for r in runs[:i] if r.panel.meta.settled_ts < first]
        y = e.outcomes
        assert y is not None
        if past:
            train_p = np.vstack([r.fused_raw[::every] for r in past])
            train_y = np.vstack([r.outcomes[::every] for r in past if r.outcomes is not None])
            calibrated = fit(method, train_p, train_y).apply(e.fused_raw)
        else:
            calibrated = e.fused_raw
        ps.append(calibrated)
        ys.append(y)
    return np.vstack(ps), np.vstack(ys)


def calibration_summary(result: BacktestResult) -> Calibration:
    runs = _settled(result)
    if runs:  # scores need one ladder width: keep the events shaped like the most common
        widths = [len(e.panel.meta.tickers) for e in runs]
        common = max(set(widths), key=lambda w: (widths.count(w), w))
        runs = [e for e in runs if len(e.panel.meta.tickers) == common]
    if not runs:
        return Calibration({}, {}, {})
    y = np.vstack([e.outcomes for e in runs if e.outcomes is not None])
    hours = np.concatenate([e.panel.hours for e in runs])
    market, fused, calibrated = (
        _stack(runs, "market"),
        _stack(runs, "fused"),
        _stack(runs, "calibrated"),
    )
    overall = {
        "market": scores(market, y),
        "fused": scores(fused, y),
        "calibrated": scores(calibrated, y),
    }
    for method in METHODS:
        wp, wy = walk_forward(runs, method, result.config.fit_every)
        overall[f"walk-forward {method}"] = scores(wp, wy)
    return Calibration(
        overall,
        {
            "market": scores_by_hour(market, y, hours),
            "calibrated": scores_by_hour(calibrated, y, hours),
        },
        {"before": reliability(fused, y), "after": reliability(calibrated, y)},
    )
