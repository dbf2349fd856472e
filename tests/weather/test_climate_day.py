"""The climate day is midnight to midnight local STANDARD time, across both DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.storage import WeatherObservationRow, open_store
from kalshi_tape.weather.sites import days_between, site_for
from kalshi_tape.weather.store import load_climate_day, write_weather

NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")


@pytest.mark.parametrize(
    ("local", "zone", "station", "climate_day"),
    [
        # the day after spring-forward (2026-03-08): 00:30 EDT is 23:30 EST of the 8th
        (datetime(2026, 3, 9, 0, 30), NEW_YORK, "KNYC", date(2026, 3, 8)),
        (datetime(2026, 3, 9, 1, 30), NEW_YORK, "KNYC", date(2026, 3, 9)),
        # the night of fall-back (2026-11-01): 00:30 EDT still belongs to Oct 31
        (datetime(2026, 11, 1, 0, 30), NEW_YORK, "KNYC", date(2026, 10, 31)),
        # after fall-back, standard time again: 00:30 EST is its own day
        (datetime(2026, 11, 2, 0, 30), NEW_YORK, "KNYC", date(2026, 11, 2)),
        # summer, Central time: 00:30 CDT is 23:30 CST the day before
        (datetime(2026, 7, 4, 0, 30), CHICAGO, "KMDW", date(2026, 7, 3)),
        # winter, no DST: local midnight is the boundary
        (datetime(2026, 1, 15, 0, 30), CHICAGO, "KMDW", date(2026, 1, 15)),
    ],
)
def test_00_30_daylight_time_belongs_to_the_previous_day(
    local: datetime, zone: ZoneInfo, station: str, climate_day: date
) -> None:
    moment = local.replace(tzinfo=zone)
    assert site_for(station).climate_day_of(moment) == climate_day


@pytest.mark.parametrize("day", [date(2026, 3, 8), date(2026, 3, 9), date(2026, 11, 1)])
def test_climate_days_are_24_hours_at_05z_in_new_york(day: date) -> None:
    start, end = site_for("KNYC").climate_day_bounds(day)
    assert start == datetime(day.year, day.month, day.day, 5, tzinfo=UTC)
    assert end - start == timedelta(hours=24)


def test_stored_observation_at_00_30_edt_counts_for_the_previous_climate_day() -> None:
    edt_0030 = datetime(2026, 3, 9, 0, 30, tzinfo=NEW_YORK).astimezone(UTC)  # 04:30Z
    noon = datetime(2026, 3, 9, 12, 0, tzinfo=NEW_YORK).astimezone(UTC)
    with open_store("duckdb:///:memory:") as store:
        write_weather(
            store,
            observations=[
                WeatherObservationRow("KNYC", "asos1min", edt_0030, Decimal(61)),
                WeatherObservationRow("KNYC", "asos1min", noon, Decimal(50)),
            ],
        )
        earlier = load_climate_day(store, "KNYC", date(2026, 3, 8))
        later = load_climate_day(store, "KNYC", date(2026, 3, 9))
    assert earlier.column("temperature_f").to_pylist() == [Decimal("61.00")]
    assert later.column("temperature_f").to_pylist() == [Decimal("50.00")]


def test_unknown_station_and_inverted_dates() -> None:
    with pytest.raises(ConfigError, match="unknown station"):
        site_for("KXYZ")
    with pytest.raises(ConfigError, match="before start"):
        days_between(date(2026, 3, 9), date(2026, 3, 8))
