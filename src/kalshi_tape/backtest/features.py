"""Minute features of every bracket, vectorised over (bars, brackets) and strictly causal.

    p        mid of the YES book as a probability (an empty bid counts as 0, an empty ask as 1)
    p_norm   p renormalised across the event's brackets so they sum to 1 (market PMF)
    vel      EWM of the one-bar change of p            (span `span_v`)
    acc      EWM of the one-bar change of vel          (span `span_a`)
             or, with smoother="savgol", causal Savitzky–Golay derivatives (last-point fit)
    clv      close-location value of the bar's trades: (close − low) / (high − low); 0.5 if flat
    ras      relative acceleration: acc minus the mean acc of the neighbouring brackets
    spread   ask − bid
    vol_z    (volume − EWM mean) / EWM sd of volume over the previous bars (span `span_vol`)

Every value at bar t is a function of bars 0..t only (IIR/FIR filters run forward in time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.signal import lfilter, savgol_coeffs

from kalshi_tape.backtest.panel import Panel
from kalshi_tape.backtest.strategy import FloatArray


@dataclass(frozen=True, slots=True)
class FeatureParams:
    span_v: int = 5
    span_a: int = 10
    span_vol: int = 60
    smoother: Literal["ewm", "savgol"] = "ewm"
    savgol_window: int = 11
    savgol_order: int = 2


def ewm(x: FloatArray, span: int) -> FloatArray:
    """Causal exponential moving average along axis 0 (adjust=False, starts from 0)."""
    alpha = 2.0 / (span + 1.0)
    out: FloatArray = lfilter([alpha], [1.0, alpha - 1.0], x, axis=0)
    return out


def diff0(x: FloatArray) -> FloatArray:
    """One-bar change; 0 at the first bar and wherever either value is unknown."""
    d = np.zeros_like(x)
    d[1:] = x[1:] - x[:-1]
    return np.nan_to_num(d, nan=0.0)


def mid_probability(bid: FloatArray, ask: FloatArray) -> FloatArray:
    both_missing = np.isnan(bid) & np.isnan(ask)
    mid = 0.5 * (np.nan_to_num(bid, nan=0.0) + np.nan_to_num(ask, nan=1.0))
    return np.where(both_missing, np.nan, mid)


def normalise(p: FloatArray) -> FloatArray:
    """Rows scaled to sum to 1; NaN rows where any bracket is unknown or all are 0."""
    total = p.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = p / total
    return np.where(np.isfinite(total) & (total > 0), out, np.nan)


def _savgol_causal(x: FloatArray, window: int, order: int, deriv: int) -> FloatArray:
    coeffs = savgol_coeffs(window, order, deriv=deriv, pos=window - 1, use="conv")
    out: FloatArray = lfilter(coeffs, [1.0], x, axis=0)
    return out


def velocity_acceleration(p: FloatArray, params: FeatureParams) -> tuple[FloatArray, FloatArray]:
    filled = _forward_fill(p)
    if params.smoother == "savgol":
        w, o = params.savgol_window, params.savgol_order
        return _savgol_causal(filled, w, o, 1), _savgol_causal(filled, w, o, 2)
    vel = ewm(diff0(filled), params.span_v)
    return vel, ewm(diff0(vel), params.span_a)


def _forward_fill(p: FloatArray) -> FloatArray:
    """Carry the last known value forward (0 before the first one); causal."""
    valid = ~np.isnan(p)
    idx = np.where(valid, np.arange(p.shape[0])[:, None], 0)
    np.maximum.accumulate(idx, axis=0, out=idx)
    out = p[idx, np.arange(p.shape[1])[None, :]]
    return np.nan_to_num(out, nan=0.0)


def relative_acceleration(acc: FloatArray) -> FloatArray:
    """acc_j − mean(acc_{j−1}, acc_{j+1}) (one neighbour at the ends of the ladder)."""
    left = np.full_like(acc, np.nan)
    right = np.full_like(acc, np.nan)
    left[:, 1:], right[:, :-1] = acc[:, :-1], acc[:, 1:]
    neighbours = np.nanmean(np.stack([left, right]), axis=0) if acc.shape[1] > 1 else 0.0
    return acc - neighbours


def close_location(low: FloatArray, high: FloatArray, close: FloatArray) -> FloatArray:
    rng = high - low
    with np.errstate(invalid="ignore", divide="ignore"):
        clv = (close - low) / rng
    return np.where(np.isfinite(clv) & (rng > 0), clv, 0.5)


def volume_z(volume: FloatArray, span: int) -> FloatArray:
    """z-score of the bar's volume against the EWM mean/sd of the bars before it."""
    v = np.nan_to_num(volume, nan=0.0)
    mean = ewm(v, span)
    var = ewm(v * v, span) - mean * mean
    prev_mean = np.vstack([np.zeros((1, v.shape[1])), mean[:-1]])
    prev_sd = np.sqrt(np.maximum(np.vstack([np.zeros((1, v.shape[1])), var[:-1]]), 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (v - prev_mean) / prev_sd
    return np.where(prev_sd > 1e-9, z, 0.0)


def compute_features(panel: Panel, params: FeatureParams | None = None) -> dict[str, FloatArray]:
    """All features of a panel, each (bars, brackets)."""
    params = params or FeatureParams()
    p = mid_probability(panel.bid_close, panel.ask_close)
    vel, acc = velocity_acceleration(p, params)
    return {
        "p": p,
        "p_norm": normalise(p),
        "vel": vel,
        "acc": acc,
        "ras": relative_acceleration(acc),
        "clv": close_location(panel.trade_low, panel.trade_high, panel.trade_close),
        "spread": panel.ask_close - panel.bid_close,
        "vol_z": volume_z(panel.volume, params.span_vol),
    }
