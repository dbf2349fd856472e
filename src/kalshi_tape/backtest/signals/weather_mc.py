"""Weather model: a Monte-Carlo of the rest-of-day maximum (or, for a daily-low event, the
minimum), a PMF over the event's brackets and the hazard of a new high (new low) in the
next step.

Inputs are plain arrays (`WeatherInputs`), so the model does not care where they come from
(the warehouse's weather tables via `kalshi_tape.weather`, the simulator's latent path in
tests); without them the backtest runs on the market alone.

At an evaluation time t the model uses only observations and forecasts *available* by t
(their own time plus the source's delay):

    M_obs  maximum observed so far in the climate day (−inf before the first observation)
    F      the latest forecast high for the day issued by t
    mean path  mu(h) = F − R·(1 − shape(h)) (a diurnal curve: low at 06:00, peak at 15:15 LST)
    bias   b: the forecast's error, one per day and path: N(0, forecast_sd²) before any
           observation, then updated by the recent departures from mu (a Kalman step)
    error  e_{k+1} = rho·e_k + sigma·sqrt(1 − rho²)·eps, starting from the latest
           observation's departure minus b (stationary draws before any observation)
    max    M = max(M_obs, max_k mu_k + b + e_k);  settles on round-half-up(M) in whole °F

PMF_b = share of paths whose settlement value the bracket pays (brackets.py edges:
between inclusive, tails strict); hazard = P(next step's temperature > M_obs).
`fit_params` estimates rho, sigma and forecast_sd from past days only (walk-forward).

Daily lows (`WeatherInputs.settles_on_minimum`) run the same model on x = −T:

    m_obs  minimum observed so far in the climate day (+inf before the first observation)
    L      the latest forecast low;  mean path mu(h) = L + R·shape(h) (lowest at 06:00)
    min    m = min(m_obs, min_k mu_k + b + e_k); hazard = P(next step < m_obs)

What differs is the rest of the day: a low is often set at midnight at the start of the
climate day (the evening before carries on) or late in the evening (a cold front), not only
near dawn. So the low model starts its error from the latest observation even before the
climate day begins (the previous evening's, up to 12 h back), simulates from now, and takes
the minimum over the steps inside the climate day up to its end; the running minimum only
ever counts observations inside the climate day. After the morning trough, a latest forecast
made after the running minimum was seen and below it puts the low in the rest of the day (a
cold front): the mean path then falls linearly to it by the day's end.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy.signal import lfilter

from kalshi_tape.backtest.strategies.protocol import FloatArray
from kalshi_tape.reference.brackets import Bracket

MORNING_LOW_HOUR = 6.0
PEAK_HOUR = 15.25


@dataclass(frozen=True, slots=True)
class WeatherInputs:
    """One climate day: observations and forecast highs (and lows) with the times we would
    have them; `settles_on_minimum` for a daily-low event, which needs `fc_low`."""

    obs_ts: FloatArray  # observation time, Unix s
    obs_avail: FloatArray  # when we would have received it (obs_ts + delay)
    obs_temp: FloatArray  # °F
    fc_avail: FloatArray  # forecast issue time + delay
    fc_high: FloatArray  # forecast maximum for the climate day, °F
    fc_low: FloatArray | None = None  # forecast minimum for the climate day, °F
    settles_on_minimum: bool = False

    def forecasts(self) -> FloatArray:
        """The forecasts of the settling extreme: highs, or lows for a daily-low day."""
        if not self.settles_on_minimum:
            return self.fc_high
        if self.fc_low is None or len(self.fc_low) != len(self.fc_avail):
            raise ValueError("a daily-low day needs a forecast low per forecast issue (fc_low)")
        return self.fc_low


@dataclass(frozen=True, slots=True)
class WeatherParams:
    rho: float = 0.97  # AR(1) coefficient per step
    sigma: float = 1.5  # stationary sd of the departure from the mean path, °F
    forecast_sd: float = 2.5  # sd of the forecast high's error, °F
    diurnal_range: float = 12.0  # °F between morning low and afternoon peak
    step_minutes: int = 15
    paths: int = 1000
    every_minutes: int = 15  # evaluate the model this often; hold the PMF in between
    seed: int = 0


def diurnal_shape(hour: FloatArray) -> FloatArray:
    """0 at the morning low (06:00 LST), 1 at the peak (15:15), cosine in between."""
    h = np.asarray(hour, dtype=np.float64)
    rising = 0.5 - 0.5 * np.cos(np.pi * (h - MORNING_LOW_HOUR) / (PEAK_HOUR - MORNING_LOW_HOUR))
    since = np.mod(h - PEAK_HOUR, 24.0)
    falling = 0.5 + 0.5 * np.cos(np.pi * since / (24.0 + MORNING_LOW_HOUR - PEAK_HOUR))
    out: FloatArray = np.where((h >= MORNING_LOW_HOUR) & (h <= PEAK_HOUR), rising, falling)
    return out


def depth_below_peak(hour: FloatArray, minimum: bool = False) -> FloatArray:
    """How far below the settling extreme the mean path lies, in units of the diurnal range,
    on the signed scale x = ±T: 1 − shape for a high (0 at the peak), shape for a low (0 at
    the morning low)."""
    shape = diurnal_shape(hour)
    out: FloatArray = shape if minimum else 1.0 - shape
    return out


def integer_bounds(bracket: Bracket) -> tuple[float, float]:
    """The smallest and largest whole-degree values the bracket pays (±inf when open)."""
    lo, hi = -math.inf, math.inf
    if bracket.low is not None:
        low = float(bracket.low)
        lo = math.ceil(low) if bracket.low_inclusive else math.floor(low) + 1
    if bracket.high is not None:
        high = float(bracket.high)
        hi = math.floor(high) if bracket.high_inclusive else math.ceil(high) - 1
    return lo, hi


def pmf_of_values(values: FloatArray, brackets: Sequence[Bracket]) -> FloatArray:
    """Share of `values` (whole °F, shape (..., paths)) each bracket pays -> (..., B)."""
    bounds = np.array([integer_bounds(b) for b in brackets])
    v = values[..., None]
    pays = (v >= bounds[:, 0]) & (v <= bounds[:, 1])
    out: FloatArray = pays.mean(axis=-2)
    return out


def weather_pmf(
    inputs: WeatherInputs,
    brackets: Sequence[Bracket],
    grid: npt.NDArray[np.int64],
    day_start_ts: int,
    params: WeatherParams,
) -> tuple[FloatArray, FloatArray]:
    """(PMF (T, B), hazard (T,)) on the grid; NaN rows before a forecast is available."""
    pmf = np.full((len(grid), len(brackets)), np.nan)
    hazard = np.full(len(grid), np.nan)
    every = params.every_minutes * 60
    eval_rows = np.flatnonzero((grid % every) == 0)
    last_row = -1
    for row in eval_rows.tolist():
        result = _evaluate(inputs, brackets, int(grid[row]), day_start_ts, params)
        if last_row >= 0:  # hold the previous evaluation until this one
            pmf[last_row:row] = pmf[last_row]
            hazard[last_row:row] = hazard[last_row]
        if result is not None:
            pmf[row], hazard[row] = result
        last_row = row
    if last_row >= 0:
        pmf[last_row:] = pmf[last_row]
        hazard[last_row:] = hazard[last_row]
    return pmf, hazard


@dataclass(frozen=True, slots=True)
class _Known:
    """What is known at t on the signed scale x = ±T (− for a daily low): the forecast of
    the extreme, the running extreme, and the observations that start the path."""

    sign: float
    forecast: float  # x of the latest forecast extreme
    running: float  # max x observed inside the climate day so far (−inf: none)
    hours: FloatArray  # hours since the climate day's start of the starting observations
    x: FloatArray  # their x
    forecast_at: float = -math.inf  # when the latest forecast became available (ts)
    running_at: float = -math.inf  # when the running extreme was observed (ts)


def _known(inputs: WeatherInputs, t: int, day_start_ts: int) -> _Known | None:
    forecasts = inputs.forecasts()
    known_fc = np.flatnonzero(inputs.fc_avail <= t)
    if known_fc.size == 0:
        return None
    sign = -1.0 if inputs.settles_on_minimum else 1.0
    latest_fc = known_fc[np.argmax(inputs.fc_avail[known_fc])]
    forecast = sign * float(forecasts[latest_fc])
    day_end = day_start_ts + 86400
    had = (inputs.obs_avail <= t) & (inputs.obs_ts < day_end)
    inside = had & (inputs.obs_ts >= day_start_ts)
    x = sign * inputs.obs_temp
    running = float(x[inside].max()) if inside.any() else -math.inf
    running_at = float(inputs.obs_ts[inside][np.argmax(x[inside])]) if inside.any() else -math.inf
    # a low starts from the evening before too: it is often set at midnight
    start = day_start_ts - (12 * 3600 if inputs.settles_on_minimum else 0)
    context = had & (inputs.obs_ts >= start)
    hours = (inputs.obs_ts[context] - day_start_ts) / 3600.0
    at = float(inputs.fc_avail[latest_fc])
    return _Known(sign, forecast, running, hours, x[context], at, running_at)


def _evaluate(
    inputs: WeatherInputs,
    brackets: Sequence[Bracket],
    t: int,
    day_start_ts: int,
    params: WeatherParams,
) -> tuple[FloatArray, float] | None:
    known = _known(inputs, t, day_start_ts)
    if known is None:
        return None
    minimum, day_end = known.sign < 0, day_start_ts + 86400
    step = params.step_minutes * 60
    start = t if minimum else max(t, day_start_ts)
    future = np.arange(start + step, day_end + 1, step, dtype=np.float64)
    rng = np.random.default_rng([params.seed, t])
    draws = rng.standard_normal((params.paths, max(len(future), 1)))
    bias, e0 = _bias_and_error(known, params, rng)
    if len(future) == 0:
        values = np.floor(np.full(params.paths, known.sign * known.running) + 0.5)
        return pmf_of_values(values, brackets), 0.0
    if _low_still_ahead(known, t, day_start_ts):
        # the forecast was made knowing today's observations: its error is the prior alone
        prior = rng.standard_normal(params.paths) * params.forecast_sd
        x = _ahead_paths(known, future, day_start_ts, prior) + _ar1(
            np.zeros_like(e0), draws, params
        )
    else:
        depth = depth_below_peak((future - day_start_ts) / 3600.0, minimum)
        x = known.forecast - params.diurnal_range * depth
        x = x[None, :] + bias[:, None] + _ar1(e0, draws, params)
    inside = future >= day_start_ts
    extreme = np.maximum(x[:, inside].max(axis=1, initial=-math.inf), known.running)
    values = np.floor(known.sign * extreme + 0.5)
    hazard = float((x[:, 0] > known.running).mean())
    return pmf_of_values(values, brackets), hazard


def _low_still_ahead(known: _Known, t: int, day_start_ts: int) -> bool:
    """A daily low still to come (a cold front): after the morning trough, the latest
    forecast, made after the running minimum was observed, is below it. Its low cannot be the
    dawn behind us, so it lies in the rest of the day."""
    if known.sign > 0 or known.x.size == 0:
        return False
    after_trough = t >= day_start_ts + MORNING_LOW_HOUR * 3600
    return after_trough and known.forecast > known.running and known.forecast_at > known.running_at


def _ahead_paths(
    known: _Known, future: FloatArray, day_start_ts: int, bias: FloatArray
) -> FloatArray:
    """Mean paths from the latest observation down to the forecast low (plus the day's bias)
    at the end of the climate day: the evening of a cold front, linear in time."""
    last = int(np.argmax(known.hours))
    x0, start = float(known.x[last]), float(known.hours[last])
    progress = np.clip((future - day_start_ts) / 3600.0 - start, 0.0, None)
    progress = progress / max(24.0 - start, 1e-9)
    out: FloatArray = x0 + (known.forecast - x0 + bias[:, None]) * progress[None, :]
    return out


def _bias_and_error(
    known: _Known, params: WeatherParams, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Per path: the day's bias b (the forecast's error, persistent all day) and the AR(1)
    departure now. Prior b ~ N(0, forecast_sd²); the mean departure of the last 3 hours of
    observations d updates it like one reading with noise sd sigma (a Kalman step)."""
    z = rng.standard_normal((2, params.paths))
    f2, s2 = params.forecast_sd**2, params.sigma**2
    if known.x.size == 0:
        return z[0] * params.forecast_sd, z[1] * params.sigma
    minimum = known.sign < 0
    mean_path = known.forecast - params.diurnal_range * depth_below_peak(known.hours, minimum)
    departures = known.x - mean_path
    recent = departures[known.hours >= known.hours.max() - 3.0].mean()
    gain = f2 / (f2 + s2)
    bias = gain * recent + math.sqrt(f2 * s2 / (f2 + s2)) * z[0]
    latest = float(departures[np.argmax(known.hours)])
    out: FloatArray = latest - bias
    return bias, out


def _ar1(e0: FloatArray, draws: FloatArray, params: WeatherParams) -> FloatArray:
    """AR(1) paths from e0: column k is the error k+1 steps ahead (a causal IIR filter)."""
    rho, scale = params.rho, params.sigma * math.sqrt(1.0 - params.rho**2)
    out, _ = lfilter([scale], [1.0, -rho], draws, axis=1, zi=(rho * e0)[:, None])
    result: FloatArray = out
    return result


def fit_params(
    days: Sequence[tuple[FloatArray, FloatArray, float, float | None]],
    base: WeatherParams,
    min_days: int = 5,
) -> WeatherParams:
    """Fit the diurnal range, rho, sigma and forecast_sd on past days given as
    (hours, temps, settled high, forecast high or None). Too few days: `base`.

    The range is the least-squares R in temps ≈ high − R·(1 − shape(hour)); residuals are
    observations minus that mean path, resampled at `step_minutes`; rho is their lag-one
    autocorrelation, sigma their sd around each day's mean."""
    step_h = base.step_minutes / 60.0
    grid = np.arange(0.0, 24.0, step_h)
    depth = 1.0 - diurnal_shape(grid)
    series = [(np.interp(grid, h, t), high) for h, t, high, _ in days if len(h) >= 8]
    if len(series) < min_days:
        return base
    below = np.concatenate([high - temps for temps, high in series])
    weights = np.tile(depth, len(series))
    diurnal_range = float(np.clip((below * weights).sum() / (weights**2).sum(), 2.0, 40.0))
    residuals = [temps - (high - diurnal_range * depth) for temps, high in series]
    stacked = np.concatenate([r - r.mean() for r in residuals])
    pairs = np.concatenate([np.stack([r[:-1], r[1:]]) for r in residuals], axis=1)
    rho = float(np.clip(np.corrcoef(pairs)[0, 1], 0.0, 0.995))
    sigma = float(max(stacked.std(), 0.2))
    errors = [fc - high for _, _, high, fc in days if fc is not None]
    forecast_sd = float(np.std(errors)) if len(errors) >= min_days else base.forecast_sd
    return replace(base, rho=rho, sigma=sigma, forecast_sd=forecast_sd, diurnal_range=diurnal_range)


def past_day(
    inputs: WeatherInputs, day_start_ts: int
) -> tuple[FloatArray, FloatArray, float, float | None] | None:
    """One finished day for `fit_params`: (hours, temps, settled high, forecast high or None);
    None with fewer than 8 observations. For a daily-low day the forecast is given as the
    settled high plus the first forecast low's error, since `fit_params` reads forecast −
    high as the forecast's error."""
    mine = (inputs.obs_ts >= day_start_ts) & (inputs.obs_ts < day_start_ts + 86400)
    if mine.sum() < 8:
        return None
    hours = (inputs.obs_ts[mine] - day_start_ts) / 3600.0
    temps = inputs.obs_temp[mine]
    high = float(np.floor(temps.max() + 0.5))
    forecasts = inputs.forecasts()
    if len(forecasts) == 0:
        return hours, temps, high, None
    if not inputs.settles_on_minimum:
        return hours, temps, high, float(forecasts[0])
    low = float(np.floor(temps.min() + 0.5))
    return hours, temps, high, high + float(forecasts[0]) - low
