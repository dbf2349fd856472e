"""Test helpers: the simulator's latent temperatures as weather inputs."""

from __future__ import annotations

import numpy as np

from kalshi_tape.backtest.data.panel import Delays, Panel
from kalshi_tape.backtest.signals.weather_mc import WeatherInputs
from kalshi_tape.sim.cities import CITIES
from kalshi_tape.sim.generator import make_event

SIM_SEED = 11
PATH_STEP_S = 300


def sim_weather(panel: Panel, delays: Delays) -> WeatherInputs | None:
    """Observations = the simulator's latent 5-minute path; forecast = its forecast high (and,
    for a daily-low event, its forecast low), issued when the event opened."""
    from kalshi_tape.parse.tickers import event_date

    day = event_date(panel.meta.event_ticker)
    city = next(c for c in CITIES.values() if c.series == panel.meta.series)
    assert day is not None
    spec = make_event(SIM_SEED, city, day)
    high = make_event(SIM_SEED, CITIES[city.path_series], day)
    obs_ts = spec.day_start_ts + PATH_STEP_S * np.arange(len(spec.path), dtype=np.float64)
    return WeatherInputs(
        obs_ts=obs_ts,
        obs_avail=obs_ts + delays.observations,
        obs_temp=np.array(spec.path, dtype=np.float64),
        fc_avail=np.array([float(spec.open_ts)]),
        fc_high=np.array([high.forecast]),
        fc_low=np.array([spec.forecast]),
        settles_on_minimum=spec.settles_on_minimum,
    )
