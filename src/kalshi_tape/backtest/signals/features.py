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
`compute_features` runs over a whole panel (candle mode); `FeatureStream` gives the same
rows one bar at a time in O(brackets) a bar (tape mode, paper trading).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.signal import lfilter, savgol_coeffs

from kalshi_tape.backtest.data.panel import Panel
from kalshi_tape.backtest.strategies.protocol import FloatArray


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


def ewm_step(x: FloatArray, state: FloatArray, alpha: float) -> tuple[FloatArray, FloatArray]:
    """One bar of `ewm`: (output, next state). The same arithmetic as `lfilter`'s transposed
    direct form (y = z + b0·x; z' = b1·x − a1·y with b1 = 0), so bit-identical to `ewm`."""
    y = state + alpha * x
    return y, x * 0.0 - y * (alpha - 1.0)


class FeatureStream:
    """`compute_features` one bar at a time, for tape mode and paper trading: each `step`
    costs O(brackets) whatever the length of the day, and returns the batch computation's
    row of that bar bit for bit (the filters carry their state: EWM outputs, Savitzky–Golay
    delay lines, the forward-filled p; the row-wise features reuse the batch functions)."""

    def __init__(self, brackets: int, params: FeatureParams | None = None) -> None:
        self.params = params or FeatureParams()
        zero = np.zeros(brackets)
        self.bars = 0
        self._last_p = np.full(brackets, np.nan)  # forward fill: the last known p
        self._filled = zero  # previous bar's forward-filled p (diff0)
        self._vel, self._z_vel, self._z_acc = zero, zero, zero
        self._z_mean, self._z_sq = zero, zero  # volume EWM states
        self._prev_mean, self._prev_var = zero, zero  # the previous bar's, for vol_z
        window = self.params.savgol_window
        self._sg = (
            tuple(
                savgol_coeffs(window, self.params.savgol_order, deriv=d, pos=window - 1,
                              use="conv")
                for d in (1, 2)
            )
            if self.params.smoother == "savgol"
            else ()
        )  # fmt: skip
        self._sg_z = [np.zeros((window - 1, brackets)) for _ in self._sg]

    def step(
        self,
        bid: FloatArray,
        ask: FloatArray,
        low: FloatArray,
        high: FloatArray,
        close: FloatArray,
        volume: FloatArray,
    ) -> dict[str, FloatArray]:
        """The features of the next bar from its row (each (brackets,)): a dict of rows."""
        p = mid_probability(bid[None, :], ask[None, :])[0]
        vel, acc = self._velocity_acceleration(p)
        self.bars += 1
        return {
            "p": p,
            "p_norm": normalise(p[None, :])[0],
            "vel": vel,
            "acc": acc,
            "ras": relative_acceleration(acc[None, :])[0],
            "clv": close_location(low[None, :], high[None, :], close[None, :])[0],
            "spread": ask - bid,
            "vol_z": self._volume_z(volume),
        }

    def _velocity_acceleration(self, p: FloatArray) -> tuple[FloatArray, FloatArray]:
        self._last_p = np.where(np.isnan(p), self._last_p, p)
        filled = np.nan_to_num(self._last_p, nan=0.0)
        if self._sg:
            out = []
            for i, coeffs in enumerate(self._sg):
                y, self._sg_z[i] = lfilter(coeffs, [1.0], filled[None, :], axis=0,
                                           zi=self._sg_z[i])  # fmt: skip
                out.append(y[0])
            return out[0], out[1]
        first = self.bars == 0
        d_p = np.zeros_like(p) if first else np.nan_to_num(filled - self._filled, nan=0.0)
        self._filled = filled
        vel, self._z_vel = ewm_step(d_p, self._z_vel, 2.0 / (self.params.span_v + 1.0))
        d_v = np.zeros_like(p) if first else np.nan_to_num(vel - self._vel, nan=0.0)
        self._vel = vel
        acc, self._z_acc = ewm_step(d_v, self._z_acc, 2.0 / (self.params.span_a + 1.0))
        return vel, acc

    def _volume_z(self, volume: FloatArray) -> FloatArray:
        v = np.nan_to_num(volume, nan=0.0)
        alpha = 2.0 / (self.params.span_vol + 1.0)
        mean, self._z_mean = ewm_step(v, self._z_mean, alpha)
        square, self._z_sq = ewm_step(v * v, self._z_sq, alpha)
        prev_mean, prev_sd = self._prev_mean, np.sqrt(np.maximum(self._prev_var, 0.0))
        self._prev_mean, self._prev_var = mean, square - mean * mean
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (v - prev_mean) / prev_sd
        out: FloatArray = np.where(prev_sd > 1e-9, z, 0.0)
        return out
