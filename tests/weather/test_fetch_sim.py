"""Fetching every source from the simulator: values, delays, revisions, resumability and
bad input (HTML instead of data, truncated bodies) storing nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from kalshi_tape.core.clock import ManualClock
from kalshi_tape.core.errors import ParseError
from kalshi_tape.settings.weather import WeatherModel
from kalshi_tape.sim.server import SimServer
from kalshi_tape.sim.weather.model import ASOS1MIN_DELAY_S, SimWeather
from kalshi_tape.sim.weather.stations import STATIONS
from kalshi_tape.storage import open_store
from kalshi_tape.weather.pipeline import FetchPlan, FetchReport
from kalshi_tape.weather.runner import run_fetch
from kalshi_tape.weather.sites import site_for
from kalshi_tape.weather.store import load_climate_day, load_daily_climate, load_forecasts
from tests.weather.conftest import SIM_NOW, sim_config, sim_settings

NYC = site_for("KNYC")
FAST = WeatherModel(rate_per_s=500)  # the simulator has no rate limit
DAYS = (date(2026, 11, 16), date(2026, 11, 17))
OBS_SOURCES = ("asos1min", "metar_iem", "metar_awc", "forecast", "cli")


def _fetch(sim: SimServer, db_url: str, sources: tuple[str, ...], *days: date) -> FetchReport:
    clock = ManualClock(sim.exchange.clock.now_ns())
    plan = FetchPlan((NYC,), days[0], days[-1], sources)
    return run_fetch(sim_settings(sim, db_url), plan, FAST, clock=clock)


def _mode(sim: SimServer, mode: str) -> None:
    httpx.post(f"{sim.root_url}/_sim/weather", json={"mode": mode}).raise_for_status()


def test_observations_agree_with_the_climate_report(sim: SimServer, db_url: str) -> None:
    report = _fetch(sim, db_url, OBS_SOURCES, *DAYS)
    weather = SimWeather(11)
    with open_store(db_url) as store:
        for day in DAYS:
            high = weather.event("KXHIGHNY", day).daily_high
            minutes = load_climate_day(store, "KNYC", day, source="asos1min")
            assert 1420 <= minutes.num_rows <= 1440  # a few minutes missing, as in IEM
            assert max(minutes.column("temperature_f").to_pylist()) == high
            metars = load_climate_day(store, "KNYC", day, source="metar_iem")
            assert metars.num_rows == 24
            hourly = {t: v for t, v in zip(*(metars.column(c).to_pylist()
                      for c in ("observed_at", "temperature_f")), strict=True)}  # fmt: skip
            by_minute = dict(zip(*(minutes.column(c).to_pylist()
                             for c in ("observed_at", "temperature_f")), strict=True))  # fmt: skip
            for t, v in hourly.items():  # T-group recovered the whole °F exactly
                assert by_minute.get(t, v) == v
            groups = [
                (t, v)
                for t, v in zip(*(metars.column(c).to_pylist()
                                  for c in ("observed_at", "max_6h_f")), strict=True)
                if v is not None
            ]  # fmt: skip
            assert len(groups) == 4  # 05:51, 11:51, 17:51, 23:51 Z: UTC-aligned, not LST
            for t, v in groups:  # the 1snTTT group decodes to the window's whole-°F maximum
                stamp = int(t.timestamp())
                window = range(stamp - 6 * 3600, stamp, 60)
                assert v == max(weather.minute_f(STATIONS["KXHIGHNY"], m) for m in window)
            cli = load_daily_climate(store, "KNYC", day, day, source="cli")
            assert cli.column("max_temp_f").to_pylist() == [Decimal(high)]
        awc = load_climate_day(store, "KNYC", DAYS[1], source="metar_awc")
        iem = load_climate_day(store, "KNYC", DAYS[1], source="metar_iem")
        assert awc.column("temperature_f").to_pylist() == iem.column("temperature_f").to_pylist()
        forecasts = load_forecasts(store, "KNYC")
        issued = SIM_NOW.replace(minute=0)
        assert set(forecasts.column("issued_at").to_pylist()) == {issued}
        assert forecasts.num_rows == 156
        assert set(forecasts.column("fetched_at").to_pylist()) == {SIM_NOW}
    assert report.pending == [
        "weather/metar_awc/KNYC/2026-11-16/2026-11-17",
        "weather/forecast/KNYC/2026-11-20/2026-11-20",
    ]


def test_rerun_skips_done_tasks_and_rewrites_nothing(sim: SimServer, db_url: str) -> None:
    sources = ("metar_iem", "cli", "iem_cli")
    first = _fetch(sim, db_url, sources, *DAYS)
    with open_store(db_url) as store:
        before = store.sql("SELECT max(ingested_at), count(*) FROM weather_observations")
    second = _fetch(sim, db_url, sources, *DAYS)
    assert first.done == 3 and first.skipped == 0
    assert second.skipped == 3 and second.requests == 0
    with open_store(db_url) as store:
        assert store.sql("SELECT max(ingested_at), count(*) FROM weather_observations") == before


def test_asos1min_is_published_a_day_late(sim: SimServer, db_url: str) -> None:
    today = NYC.climate_day_of(SIM_NOW)
    report = _fetch(sim, db_url, ("asos1min",), today - timedelta(days=1), today)
    with open_store(db_url) as store:
        last = store.sql("SELECT max(observed_at) FROM weather_observations")[0][0]
    assert last <= SIM_NOW - timedelta(seconds=ASOS1MIN_DELAY_S)
    assert report.done == 0 and len(report.pending) == 1  # not complete yet: fetch again later


@pytest.mark.parametrize(
    ("mode", "sources", "message"),
    [
        ("html", ("iem_cli",), "HTML page"),
        ("html", ("forecast",), "HTML page"),
        ("html", ("asos1min",), "HTML page"),
        ("truncate", ("asos1min",), "truncated"),
        ("truncate", ("cli",), "truncated"),
        ("truncate", ("iem_cli",), "JSON"),
    ],
)
def test_bad_bodies_store_nothing(
    sim: SimServer, db_url: str, mode: str, sources: tuple[str, ...], message: str
) -> None:
    _mode(sim, mode)
    try:
        with pytest.raises(ParseError, match=message):
            _fetch(sim, db_url, sources, *DAYS)
    finally:
        _mode(sim, "normal")
    with open_store(db_url) as store:
        for table in ("weather_observations", "daily_climate", "weather_forecasts"):
            assert store.count(table) == 0, table
        assert store.count("backfill_progress") == 0


def _revised_day(weather: SimWeather, first: date, last: date) -> tuple[date, int, int, int]:
    """A day whose afternoon preliminary differs from the final: (day, prelim, final, ts)."""
    day = first
    while day <= last:
        issues = weather.climate_issues(STATIONS["KXHIGHNY"], day)
        if len(issues) == 2 and issues[0].high_f != issues[1].high_f:
            return day, issues[0].high_f, issues[1].high_f, issues[0].issued_ts
        day += timedelta(days=1)
    raise AssertionError("no revised day in range")


def test_a_preliminary_cli_is_replaced_by_the_final(tmp_path: object) -> None:
    weather = SimWeather(11)
    day, prelim, final, prelim_ts = _revised_day(weather, date(2026, 11, 1), date(2026, 11, 18))
    between = datetime.fromtimestamp(prelim_ts + 60, UTC)
    db_url = f"duckdb:///{tmp_path}/revised.duckdb"
    with SimServer(sim_config(now=between)) as sim:
        _fetch(sim, db_url, ("cli", "iem_cli"), day)
        with open_store(db_url) as store:
            rows = load_daily_climate(store, "KNYC", day, day)
            assert rows.column("max_temp_f").to_pylist() == [Decimal(prelim)] * 2
            assert rows.column("is_final").to_pylist() == [False, False]
        sim.exchange.clock.advance(12 * 3600)  # past the next morning's final report
        _fetch(sim, db_url, ("cli", "iem_cli"), day)
    with open_store(db_url) as store:
        rows = load_daily_climate(store, "KNYC", day, day)
    assert rows.column("max_temp_f").to_pylist() == [Decimal(final)] * 2
    assert rows.column("is_final").to_pylist() == [True, True]
    assert final == weather.event("KXHIGHNY", day).daily_high


def test_visual_crossing_only_with_a_key(sim: SimServer, db_url: str) -> None:
    clock = ManualClock(sim.exchange.clock.now_ns())
    plan = FetchPlan((NYC,), DAYS[1], DAYS[1], ("visualcrossing",))
    settings = sim_settings(sim, db_url)
    skipped = run_fetch(settings, plan, FAST, clock=clock)
    assert skipped.tasks == 0 and "no key" in skipped.notes[0]
    keyed = replace(settings, visual_crossing_key="test-key-123456")
    report = run_fetch(keyed, plan, FAST, clock=clock)
    with open_store(db_url) as store:
        rows = load_climate_day(store, "KNYC", DAYS[1], source="visualcrossing")
    assert report.rows == {"visualcrossing": 288} and rows.num_rows == 288  # 5-minute steps
    high = SimWeather(11).event("KXHIGHNY", DAYS[1]).daily_high
    assert abs(max(rows.column("temperature_f").to_pylist()) - high) <= 1  # a feature, not truth


def test_fetch_into_postgresql_is_idempotent(sim: SimServer, pg_url: str) -> None:
    first = _fetch(sim, pg_url, ("metar_iem", "cli", "forecast"), *DAYS)
    second = _fetch(sim, pg_url, ("metar_iem", "cli", "forecast"), *DAYS)
    assert second.skipped == first.done == 2
    with open_store(pg_url) as store:
        assert store.count("weather_observations") == 48
        assert store.count("daily_climate") == 2
        assert store.count("weather_forecasts") == 156  # the same issue, stored once


def test_days_still_to_come_are_pending_not_errors(sim: SimServer, db_url: str) -> None:
    today = NYC.climate_day_of(SIM_NOW)
    report = _fetch(sim, db_url, ("asos1min", "metar_iem", "cli"), today, today + timedelta(days=2))
    assert report.done == 0 and len(report.pending) == 3
    with open_store(db_url) as store:
        assert store.count("daily_climate") == 0  # no final report for today yet
        assert store.count("weather_observations") == 13  # METARs 05:51Z..17:51Z so far
