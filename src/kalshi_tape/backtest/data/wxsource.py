"""Weather inputs from the warehouse, through the weather package's read API.

Observations of the event's settlement station over its climate day (plus the evening
before) and every forecast issue: each issue is reduced to its forecast maximum and minimum
over the climate day; a daily-low series (KXLOWT*) is modelled on the minimum.
Availability = the value's own time (observed_at; the later of issued_at and fetched_at)
plus the configured delay. No rows: None, and the backtest uses the market alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np

from kalshi_tape.backtest.data.panel import Delays, Panel
from kalshi_tape.backtest.signals.weather_mc import WeatherInputs
from kalshi_tape.reference.stations import settles_on_minimum
from kalshi_tape.storage import Store


def _secs(values: list[datetime | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v.timestamp() for v in values], dtype=np.float64)


def store_weather(store: Store) -> Callable[[Panel, Delays], WeatherInputs | None]:
    """A weather source reading `store` (None per event when nothing is stored)."""
    try:
        from kalshi_tape.weather.store import load_forecasts, load_observations
    except ImportError:
        return lambda panel, delays: None

    def source(panel: Panel, delays: Delays) -> WeatherInputs | None:
        station = panel.meta.station
        if not station:
            return None
        start = datetime.fromtimestamp(panel.meta.day_start_ts, UTC)
        end = start + timedelta(days=1)
        obs = load_observations(store, station, start - timedelta(hours=12), end)
        if obs.num_rows == 0:
            return None
        obs_ts = _secs(obs.column("observed_at").to_pylist())
        temps = np.array(
            [np.nan if v is None else float(v) for v in obs.column("temperature_f").to_pylist()]
        )
        keep = np.isfinite(temps)
        fc = load_forecasts(store, station, valid_from=start, valid_until=end)
        fc_avail, fc_high, fc_low = _forecast_extremes(fc.to_pylist(), delays.forecasts)
        return WeatherInputs(
            obs_ts[keep],
            obs_ts[keep] + delays.observations,
            temps[keep],
            fc_avail,
            fc_high,
            fc_low,
            settles_on_minimum(panel.meta.series),
        )

    return source


def _forecast_extremes(
    rows: list[dict[str, object]], delay: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per issue: (available at, max and min forecast temperature over the climate day)."""
    temps: dict[float, list[float]] = {}
    for row in rows:
        temp = row.get("temperature_f")
        issued = row.get("issued_at")
        fetched = row.get("fetched_at")
        if not isinstance(temp, Decimal | int | float) or not isinstance(issued, datetime):
            continue
        avail = max(issued, fetched) if isinstance(fetched, datetime) else issued
        temps.setdefault(avail.timestamp() + delay, []).append(float(temp))
    keys = sorted(temps)
    return (
        np.array(keys, dtype=np.float64),
        np.array([max(temps[k]) for k in keys], dtype=np.float64),
        np.array([min(temps[k]) for k in keys], dtype=np.float64),
    )
