"""An event-level bootstrap confidence interval for a pooled score (e.g. the Brier score).

The minutes of one event are far from independent (one settlement decides them all), so
resampling minutes would give an interval much too narrow. Here whole events are drawn with
replacement and the score is pooled over the drawn events' forecasts, as the point estimate
is; the interval is the percentile interval of those draws. Seeded, so it reproduces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kalshi_tape.backtest.run.results import BacktestResult
from kalshi_tape.backtest.strategies.protocol import FloatArray


@dataclass(frozen=True, slots=True)
class Interval:
    point: float  # the score over all events
    low: float
    high: float
    level: float  # e.g. 0.95
    events: int
    draws: int


def bootstrap_pooled_mean(
    per_event: Sequence[FloatArray], *, draws: int = 2000, level: float = 0.95, seed: int = 0
) -> Interval:
    """Percentile interval of the mean over all values of events drawn with replacement.

    `per_event[i]` holds event i's values (e.g. the squared errors of its forecasts); an
    event with more values weighs more, exactly as in the pooled point estimate."""
    if not per_event or any(len(v) == 0 for v in per_event):
        raise ValueError("every event needs at least one value")
    if draws < 1 or not 0 < level < 1:
        raise ValueError("draws must be positive and level in (0, 1)")
    sums = np.array([float(np.sum(v)) for v in per_event])
    counts = np.array([len(v) for v in per_event], dtype=np.float64)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(per_event), size=(draws, len(per_event)))
    means = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    point = float(sums.sum() / counts.sum())
    return Interval(point, float(low), float(high), level, len(per_event), draws)


def market_squared_errors(result: BacktestResult) -> list[FloatArray]:
    """Per settled event: (p − y)² of every (bar, bracket) forecast of the market PMF, on
    bars with a full PMF (the cells `metrics.scores` averages for the Brier score)."""
    out = []
    for run in result.events:
        y = run.outcomes
        if y is None:
            continue
        p = run.probs.market
        keep = np.isfinite(p).all(axis=1)
        if keep.any():
            out.append(((p[keep] - y[keep]) ** 2).ravel())
    return out


def market_brier_interval(
    result: BacktestResult, *, draws: int = 2000, level: float = 0.95, seed: int = 0
) -> Interval:
    """The market PMF's Brier score with its event-level bootstrap interval."""
    errors = market_squared_errors(result)
    return bootstrap_pooled_mean(errors, draws=draws, level=level, seed=seed)
