"""Stations and the climate day: midnight to midnight local *standard* time, all year."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kalshi_tape.reference.stations import STATIONS, station_for


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("series", "hour"),
    [("KXHIGHNY", 5), ("KXHIGHCHI", 6), ("KXHIGHDEN", 7), ("KXHIGHLAX", 8), ("KXHIGHMIA", 5)],
)
@pytest.mark.parametrize("day", [date(2026, 1, 15), date(2026, 7, 15), date(2026, 3, 8)])
def test_climate_day_is_fixed_in_utc_all_year(series: str, hour: int, day: date) -> None:
    station = station_for(series)
    assert station is not None
    start, end = station.climate_day_bounds(day)
    assert start == _utc(day.year, day.month, day.day, hour)
    assert end - start == timedelta(hours=24)
    assert start.tzinfo is not None and start.utcoffset() == timedelta(0)


def test_new_york_july_is_05z_to_05z_not_04z() -> None:
    station = STATIONS["KXHIGHNY"]
    assert station.climate_day_bounds(date(2026, 7, 4)) == (
        _utc(2026, 7, 4, 5),
        _utc(2026, 7, 5, 5),
    )
    # 00:30 EDT on July 5 is 23:30 EST on July 4: still July 4's climate day
    assert station.climate_day_of(_utc(2026, 7, 5, 4, 30)) == date(2026, 7, 4)
    assert station.climate_day_of(_utc(2026, 7, 5, 5, 0)) == date(2026, 7, 5)


def test_dst_change_days_are_24_hours() -> None:
    for day in (date(2026, 3, 8), date(2026, 11, 1)):
        start, end = STATIONS["KXHIGHNY"].climate_day_bounds(day)
        assert end - start == timedelta(hours=24)


def test_close_time_of_real_market_is_end_of_climate_day() -> None:
    # KXHIGHNY-26JUN02 closes 2026-06-03T04:59Z (weather.md §1.3, real capture)
    _, end = STATIONS["KXHIGHNY"].climate_day_bounds(date(2026, 6, 2))
    assert end - _utc(2026, 6, 3, 4, 59) == timedelta(minutes=1)


@pytest.mark.parametrize("series", sorted(STATIONS))
def test_lst_offset_is_the_zones_standard_offset(series: str) -> None:
    station = STATIONS[series]
    january = datetime(2026, 1, 15, 12, tzinfo=ZoneInfo(station.iana_zone))
    assert january.utcoffset() == timedelta(hours=station.lst_offset_hours)
    assert station.lst.utcoffset(None) == timedelta(hours=station.lst_offset_hours)
    assert station.series_ticker == series


def test_station_table_matches_weather_md() -> None:
    assert {s: (st.icao, st.cli_code) for s, st in STATIONS.items()} == {
        "KXHIGHNY": ("KNYC", "CLINYC"),
        "KXHIGHCHI": ("KMDW", "CLIMDW"),
        "KXHIGHMIA": ("KMIA", "CLIMIA"),
        "KXHIGHAUS": ("KAUS", "CLIAUS"),
        "KXHIGHDEN": ("KDEN", "CLIDEN"),
        "KXHIGHLAX": ("KLAX", "CLILAX"),
        "KXHIGHPHIL": ("KPHL", "CLIPHL"),
        "KXHIGHTHOU": ("KHOU", "CLIHOU"),
    }


def test_lookup() -> None:
    assert station_for("kxhighny") is STATIONS["KXHIGHNY"]
    assert station_for("KXBTC") is None
