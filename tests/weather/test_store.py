"""The weather read/write API on real DuckDB and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from kalshi_tape.storage import (
    DailyClimateRow,
    Store,
    WeatherForecastRow,
    WeatherObservationRow,
    open_store,
)
from kalshi_tape.weather.store import (
    load_daily_climate,
    load_forecasts,
    load_observations,
    write_weather,
)

T0 = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)


@pytest.fixture(params=["duckdb", "postgresql"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "duckdb":
        with open_store("duckdb:///:memory:") as s:
            yield s
    else:
        url = request.getfixturevalue("pg_url")
        with open_store(url) as s:
            yield s


def _obs(minutes: int, temp: str, source: str = "asos1min") -> WeatherObservationRow:
    return WeatherObservationRow("KNYC", source, T0 + timedelta(minutes=minutes), Decimal(temp))


def test_observations_window_is_half_open_and_ordered(store: Store) -> None:
    write_weather(store, observations=[_obs(2, "41"), _obs(0, "40"), _obs(60, "45")])
    got = load_observations(store, "knyc", T0, T0 + timedelta(minutes=60))
    assert got.column("temperature_f").to_pylist() == [Decimal("40.00"), Decimal("41.00")]
    assert got.column("observed_at").to_pylist()[0] == T0
    assert load_observations(store, "KMDW").num_rows == 0


def test_forecasts_issued_before_hides_later_issues(store: Store) -> None:
    rows = [
        WeatherForecastRow("KNYC", "nws_hourly", T0 + timedelta(hours=h), T0 + timedelta(hours=5))
        for h in (0, 1, 2)
    ]
    write_weather(store, forecasts=rows)
    early = load_forecasts(store, "KNYC", issued_before=T0 + timedelta(minutes=90))
    assert early.column("issued_at").to_pylist() == [T0, T0 + timedelta(hours=1)]
    latest = load_forecasts(store, "KNYC", issued_before=T0 + timedelta(hours=9), latest_only=True)
    assert latest.column("issued_at").to_pylist() == [T0 + timedelta(hours=2)]


def test_preliminary_never_replaces_final(store: Store) -> None:
    day = date(2026, 3, 7)
    final = DailyClimateRow("KNYC", day, "cli", Decimal("50"), None, True, T0 + timedelta(hours=2))
    prelim = DailyClimateRow(
        "KNYC", day, "cli", Decimal("48"), None, False, T0 + timedelta(hours=9)
    )
    write_weather(store, climate=[final])
    write_weather(store, climate=[prelim])
    got = load_daily_climate(store, "KNYC", day, day)
    assert got.column("max_temp_f").to_pylist() == [Decimal("50.00")]
    # within one batch, the final wins whatever the order
    other = date(2026, 3, 6)
    write_weather(
        store,
        climate=[
            DailyClimateRow("KNYC", other, "cli", Decimal("47"), None, True, T0),
            DailyClimateRow(
                "KNYC", other, "cli", Decimal("45"), None, False, T0 - timedelta(hours=9)
            ),
        ],
    )
    assert load_daily_climate(store, "KNYC", other, other, final_only=True).num_rows == 1
