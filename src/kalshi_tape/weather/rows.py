"""Parsed weather -> warehouse rows (weather_observations, daily_climate,
weather_forecasts). Observations are keyed by ICAO id whatever id the source used."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from kalshi_tape.storage import DailyClimateRow, WeatherForecastRow, WeatherObservationRow
from kalshi_tape.weather.asos1min import MinuteObservation
from kalshi_tape.weather.cli_json import IemCliDay
from kalshi_tape.weather.climate_report import ClimateReport
from kalshi_tape.weather.forecast import HourlyForecast
from kalshi_tape.weather.metar import MetarReport
from kalshi_tape.weather.sites import Site, days_between
from kalshi_tape.weather.visualcrossing import VcObservation


@dataclass(slots=True)
class Batch:
    observations: list[WeatherObservationRow] = field(default_factory=list)
    climate: list[DailyClimateRow] = field(default_factory=list)
    forecasts: list[WeatherForecastRow] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.observations) + len(self.climate) + len(self.forecasts)


def _dec(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def from_minutes(
    site: Site, minutes: Iterable[MinuteObservation], start: datetime, end: datetime
) -> Batch:
    return Batch(
        observations=[
            WeatherObservationRow(
                site.icao, "asos1min", m.observed_at, m.temperature_f, m.dewpoint_f, m.raw
            )
            for m in minutes
            if start <= m.observed_at < end and m.temperature_f is not None
        ]
    )


def from_metars(site: Site, source: str, reports: Iterable[MetarReport]) -> Batch:
    return Batch(
        observations=[
            WeatherObservationRow(
                station=site.icao,
                source=source,
                observed_at=r.observed_at,
                temperature_f=r.temperature_f,
                dewpoint_f=r.dewpoint_f,
                raw_text=r.raw,
                max_6h_f=r.max_6h_f,
                min_6h_f=r.min_6h_f,
                max_24h_f=r.max_24h_f,
                min_24h_f=r.min_24h_f,
            )
            for r in reports
        ]
    )


def from_cli_reports(site: Site, reports: Iterable[ClimateReport]) -> Batch:
    return Batch(
        climate=[
            DailyClimateRow(
                station=site.icao,
                climate_date=r.climate_date,
                source="cli",
                max_temp_f=_dec(r.max_f),
                min_temp_f=_dec(r.min_f),
                is_final=r.is_final,
                issued_at=r.issued_at,
                raw_text=r.text,
            )
            for r in reports
        ]
    )


def from_iem_cli(site: Site, days: Iterable[IemCliDay], first: date, last: date) -> Batch:
    return Batch(
        climate=[
            DailyClimateRow(
                station=site.icao,
                climate_date=d.climate_date,
                source="iem_cli",
                max_temp_f=_dec(d.high_f),
                min_temp_f=_dec(d.low_f),
                is_final=_final_issue(site, d),
                issued_at=d.issued_at,
                raw_text=d.raw,
            )
            for d in days
            if first <= d.climate_date <= last
        ]
    )


def _final_issue(site: Site, day: IemCliDay) -> bool:
    """IEM keeps the latest issuance: final once issued after the climate day ended."""
    return day.issued_at is not None and site.is_final_issue(day.climate_date, day.issued_at)


def from_forecast(site: Site, forecast: HourlyForecast, fetched_at: datetime) -> Batch:
    return Batch(
        forecasts=[
            WeatherForecastRow(
                station=site.icao,
                source="nws_hourly",
                issued_at=forecast.issued_at,
                valid_start=p.valid_start,
                valid_end=p.valid_end,
                temperature_f=p.temperature_f,
                dewpoint_f=p.dewpoint_f,
                precip_probability=p.precip_probability,
                short_forecast=p.short_forecast,
                fetched_at=fetched_at,
            )
            for p in forecast.periods
        ]
    )


def from_visualcrossing(
    site: Site, points: Iterable[VcObservation], start: datetime, end: datetime
) -> Batch:
    return Batch(
        observations=[
            WeatherObservationRow(
                site.icao, "visualcrossing", p.observed_at, p.temperature_f, p.dewpoint_f
            )
            for p in points
            if start <= p.observed_at < end
        ]
    )


def all_final(batch: Batch, first: date, last: date) -> bool:
    """Whether every day first..last has a final climate report in the batch."""
    finals = {row.climate_date for row in batch.climate if row.is_final}
    return all(day in finals for day in days_between(first, last))
