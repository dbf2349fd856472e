"""Fusion of market and weather PMFs, and post-hoc calibration fitted walk-forward.

Fusion (logarithmic opinion pool): fused ∝ p_mkt^w · p_wx^(1−w), renormalised over the
brackets. The market weight rises with activity: w = clip(w_base + w_activity ·
tanh(max(vol_z, 0)), 0, 1) with vol_z the bar's largest volume z-score across brackets.

Calibrators map a PMF to a PMF and are fitted on (bar, bracket) pairs of events that
settled *before* the event being scored:
    platt        logistic regression on logit(p), per bracket probability, then renormalised
    isotonic     monotone map of p, then renormalised
    temperature  p_i^(1/T) / Σ_j p_j^(1/T), T minimising the multiclass log loss
    none         identity
`select_calibrator` picks, among these, the one with the lowest walk-forward Brier score
on the past events alone (so choosing is no look-ahead either).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from kalshi_tape.backtest.strategies.protocol import FloatArray

EPS = 1e-6
Method = Literal["none", "platt", "isotonic", "temperature", "auto"]
METHODS: tuple[Method, ...] = ("none", "platt", "isotonic", "temperature")


def log_pool(
    p_market: FloatArray, p_weather: FloatArray | None, weight: FloatArray | float
) -> FloatArray:
    """Logarithmic pooling of two (bars, brackets) PMFs; the market alone without weather.
    Where the weather PMF is unknown (NaN) the market PMF passes through."""
    if p_weather is None:
        return p_market
    w = np.asarray(weight, dtype=np.float64)
    if w.ndim == 1:
        w = w[:, None]
    logs = w * np.log(np.clip(p_market, EPS, 1.0)) + (1 - w) * np.log(np.clip(p_weather, EPS, 1))
    peak = np.max(np.where(np.isfinite(logs), logs, -np.inf), axis=1, keepdims=True)
    logs -= np.where(np.isfinite(peak), peak, 0.0)
    pooled = np.exp(logs)
    pooled /= pooled.sum(axis=1, keepdims=True)
    known = np.isfinite(p_weather).all(axis=1, keepdims=True)
    out: FloatArray = np.where(known, pooled, p_market)
    return out


def market_weight(vol_z: FloatArray, base: float = 0.6, activity: float = 0.3) -> FloatArray:
    top = np.nan_to_num(np.nanmax(np.where(np.isfinite(vol_z), vol_z, 0.0), axis=1))
    out: FloatArray = np.clip(base + activity * np.tanh(np.maximum(top, 0.0)), 0.0, 1.0)
    return out


def _renormalise(p: FloatArray) -> FloatArray:
    total = p.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.where(total > 0, p / total, np.nan)
    return out


def _logit(p: FloatArray) -> FloatArray:
    q = np.clip(p, EPS, 1 - EPS)
    out: FloatArray = np.log(q / (1 - q))
    return out


@dataclass(slots=True)
class Calibrator:
    """A fitted map PMF -> PMF (identity until fitted with enough data)."""

    method: Method = "none"
    platt: LogisticRegression | None = None
    iso: IsotonicRegression | None = None
    temperature: float = 1.0

    def apply(self, p: FloatArray) -> FloatArray:
        if self.method == "none":
            return p
        known = np.isfinite(p).all(axis=1)
        out = np.full_like(p, np.nan)
        q = p[known]
        if len(q) == 0:
            return out
        if self.method == "platt" and self.platt is not None:
            flat = self.platt.predict_proba(_logit(q.reshape(-1, 1)))[:, 1]
            out[known] = _renormalise(flat.reshape(q.shape))
        elif self.method == "isotonic" and self.iso is not None:
            out[known] = _renormalise(self.iso.predict(q.ravel()).reshape(q.shape) + EPS)
        else:
            out[known] = _temper(q, self.temperature)
        return out


def _temper(p: FloatArray, temperature: float) -> FloatArray:
    logs = np.log(np.clip(p, EPS, 1.0)) / temperature
    logs -= logs.max(axis=1, keepdims=True)
    e = np.exp(logs)
    out: FloatArray = e / e.sum(axis=1, keepdims=True)
    return out


def fit(method: Method, p: FloatArray, y: FloatArray) -> Calibrator:
    """Fit `method` on past (bars, brackets) PMFs `p` with one-hot outcomes `y`."""
    keep = np.isfinite(p).all(axis=1)
    p, y = p[keep], y[keep]
    if method == "none" or len(p) < 10 or y.sum() == 0:
        return Calibrator()
    if method == "platt":
        model = LogisticRegression(C=1e4, max_iter=500)
        model.fit(_logit(p.reshape(-1, 1)), y.ravel().astype(np.int64))
        return Calibrator("platt", platt=model)
    if method == "isotonic":
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        iso.fit(p.ravel(), y.ravel())
        return Calibrator("isotonic", iso=iso)
    logs = np.log(np.clip(p, EPS, 1.0))

    def loss(log_t: float) -> float:
        q = _temper_logs(logs, float(np.exp(log_t)))
        return float(-np.mean(np.log(np.clip((q * y).sum(axis=1), EPS, 1.0))))

    best = minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded")
    return Calibrator("temperature", temperature=float(np.exp(best.x)))


def _temper_logs(logs: FloatArray, temperature: float) -> FloatArray:
    z = logs / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: FloatArray = e / e.sum(axis=1, keepdims=True)
    return out


def brier(p: FloatArray, y: FloatArray) -> float:
    keep = np.isfinite(p).all(axis=1)
    return float(np.mean((p[keep] - y[keep]) ** 2)) if keep.any() else float("nan")


@dataclass(slots=True)
class WalkForward:
    """Past settled events, each scored once per method by a calibrator fitted on the
    events before it; `best()` is the method with the lowest total Brier so far, refitted
    on every past event (so choosing the method is walk-forward too)."""

    methods: Sequence[Method] = METHODS
    past: list[tuple[FloatArray, FloatArray]] = field(default_factory=list)
    totals: dict[str, float] = field(default_factory=dict)
    _cached: Calibrator | None = None

    def add(self, p: FloatArray, y: FloatArray) -> None:
        if len(self.past) >= 2:
            train_p, train_y = (
                np.vstack([q for q, _ in self.past]),
                np.vstack([z for _, z in self.past]),
            )
            for m in self.methods:
                score = brier(fit(m, train_p, train_y).apply(p), y)
                self.totals[m] = self.totals.get(m, 0.0) + (0.0 if np.isnan(score) else score)
        self.past.append((p, y))
        self._cached = None

    def best(self, method: Method = "auto") -> Calibrator:
        if self._cached is None:
            self._cached = self._fit(method)
        return self._cached

    def _fit(self, method: Method) -> Calibrator:
        if not self.past:
            return Calibrator()
        if method == "auto":
            if not self.totals:
                return Calibrator()
            order = list(self.methods)
            method = min(order, key=lambda m: (self.totals[m], order.index(m)))
        return fit(
            method, np.vstack([q for q, _ in self.past]), np.vstack([z for _, z in self.past])
        )
