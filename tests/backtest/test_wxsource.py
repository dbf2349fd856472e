"""Weather inputs read from the warehouse through the weather package's read API."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

from kalshi_tape.backtest.data.panel import Delays
from kalshi_tape.backtest.data.wxsource import store_weather
from kalshi_tape.storage import WeatherForecastRow, WeatherObservationRow, open_store
from kalshi_tape.weather.store import write_weather
from tests.backtest.test_panel import tiny_panel

DAY_START = datetime(2027, 1, 15, 5, 0, tzinfo=UTC)  # KNYC climate day 2027-01-15 (EST)


def test_store_weather_gives_observations_and_forecast_highs_with_delays(tmp_path: Path) -> None:
    panel = tiny_panel()
    panel = replace(
        panel, meta=replace(panel.meta, station="KNYC", day_start_ts=int(DAY_START.timestamp()))
    )
    with open_store(f"duckdb:///{tmp_path / 'w.duckdb'}") as store:
        assert store_weather(store)(panel, Delays()) is None  # nothing stored: market alone
        obs = [
            WeatherObservationRow("KNYC", "metar", DAY_START + timedelta(hours=h), Decimal(30 + h))
            for h in (-20, -2, 3, 9)  # -20 h is outside the window read
        ]
        issued = DAY_START - timedelta(hours=6)
        fetched = issued + timedelta(minutes=30)
        forecasts = [
            WeatherForecastRow("KNYC", "nws_hourly", issued, DAY_START + timedelta(hours=h),
                               temperature_f=Decimal(t), fetched_at=fetched)
            for h, t in ((1, 28), (14, 41), (20, 35), (30, 50))  # 30 h: the next day
        ]  # fmt: skip
        write_weather(store, observations=obs, forecasts=forecasts)
        inputs = store_weather(store)(panel, Delays(observations=600, forecasts=60))
    assert inputs is not None
    start = DAY_START.timestamp()
    np.testing.assert_array_equal(inputs.obs_ts, start + 3600 * np.array([-2, 3, 9]))
    np.testing.assert_array_equal(inputs.obs_avail, inputs.obs_ts + 600)
    np.testing.assert_array_equal(inputs.obs_temp, [28.0, 33.0, 39.0])
    np.testing.assert_array_equal(inputs.fc_avail, [fetched.timestamp() + 60])
    np.testing.assert_array_equal(inputs.fc_high, [41.0])
