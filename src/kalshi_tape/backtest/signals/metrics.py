"""Scores of bracket probabilities against settlement: Brier, log loss, ECE, reliability,
overall and per hour of the climate day.

Units: every (bar, bracket) pair is one binary forecast p of "this bracket settles YES".
Brier = mean (p − y)²; log loss = mean −log p of the winning bracket per bar (multiclass,
p clipped to [1e-6, 1]); ECE = Σ_bins (n_bin / n) · |mean p − mean y| over 10 equal bins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kalshi_tape.backtest.strategies.protocol import FloatArray

EPS = 1e-6
BINS = 10


@dataclass(frozen=True, slots=True)
class Scores:
    n: int
    brier: float
    log_loss: float
    ece: float


@dataclass(frozen=True, slots=True)
class Reliability:
    """Per probability bin: mean forecast, observed frequency, count."""

    mean_p: FloatArray
    freq: FloatArray
    count: FloatArray


def _valid(p: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Rows (bars) with a full PMF only."""
    keep = np.isfinite(p).all(axis=1)
    return p[keep], y[keep]


def scores(p: FloatArray, y: FloatArray) -> Scores:
    """p, y: (bars, brackets); y one-hot of the settled bracket."""
    p, y = _valid(p, y)
    if len(p) == 0:
        return Scores(0, float("nan"), float("nan"), float("nan"))
    brier = float(np.mean((p - y) ** 2))
    winner = np.clip((p * y).sum(axis=1), EPS, 1.0)
    return Scores(len(p), brier, float(np.mean(-np.log(winner))), ece(p.ravel(), y.ravel()))


def ece(p: FloatArray, y: FloatArray, bins: int = BINS) -> float:
    rel = reliability(p, y, bins)
    n = rel.count.sum()
    if n == 0:
        return float("nan")
    gap = np.abs(np.nan_to_num(rel.mean_p - rel.freq))
    return float((rel.count / n * gap).sum())


def reliability(p: FloatArray, y: FloatArray, bins: int = BINS) -> Reliability:
    p, y = p.ravel(), y.ravel()
    keep = np.isfinite(p)
    p, y = p[keep], y[keep]
    idx = np.clip((p * bins).astype(np.int64), 0, bins - 1)
    count = np.bincount(idx, minlength=bins).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.bincount(idx, weights=p, minlength=bins) / count
        freq = np.bincount(idx, weights=y, minlength=bins) / count
    return Reliability(mean_p, freq, count)


def scores_by_hour(
    p: FloatArray, y: FloatArray, hours: FloatArray, first: int = -14, last: int = 24
) -> dict[int, Scores]:
    """Scores per whole hour of the climate day (negative: the evening before)."""
    out: dict[int, Scores] = {}
    hour = np.floor(hours).astype(np.int64)
    for h in range(first, last):
        rows = hour == h
        if rows.any():
            out[h] = scores(p[rows], y[rows])
    return out


def one_hot(results: tuple[bool, ...], bars: int) -> FloatArray:
    return np.tile(np.array(results, dtype=np.float64), (bars, 1))
