"""NWS API point forecasts (api.weather.gov): pure parsers of `/points/{lat},{lon}` and
`/gridpoints/{wfo}/{x},{y}/forecast/hourly`.

The hourly forecast's `updateTime` is its issue time: a backtest at t may use a forecast
only if updateTime <= t. Temperatures are integer °F (or °C with `units=si`, converted
exactly); the dew point is °C with decimals (wmoUnit:degC), converted to °F at 0.01.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import msgspec

from kalshi_tape.core.errors import ParseError
from kalshi_tape.weather.payload import decode_json


class WQuantity(msgspec.Struct, frozen=True):
    value: float | int | None = None
    unitCode: str | None = None


class WPeriod(msgspec.Struct, frozen=True):
    startTime: str
    endTime: str
    temperature: int | float | None = None
    temperatureUnit: str = "F"
    probabilityOfPrecipitation: WQuantity | None = None
    dewpoint: WQuantity | None = None
    shortForecast: str | None = None


class WForecastProps(msgspec.Struct, frozen=True):
    periods: list[WPeriod]
    updateTime: str | None = None
    generatedAt: str | None = None


class WForecast(msgspec.Struct, frozen=True):
    properties: WForecastProps


class WPointProps(msgspec.Struct, frozen=True):
    gridId: str
    gridX: int
    gridY: int
    forecastHourly: str | None = None


class WPoint(msgspec.Struct, frozen=True):
    properties: WPointProps


@dataclass(frozen=True, slots=True)
class GridPoint:
    wfo: str
    x: int
    y: int
    forecast_hourly_url: str | None


@dataclass(frozen=True, slots=True)
class ForecastPeriod:
    valid_start: datetime  # UTC
    valid_end: datetime
    temperature_f: Decimal | None
    dewpoint_f: Decimal | None
    precip_probability: int | None
    short_forecast: str | None


@dataclass(frozen=True, slots=True)
class HourlyForecast:
    issued_at: datetime  # UTC (updateTime)
    periods: tuple[ForecastPeriod, ...]


def parse_point(body: bytes) -> GridPoint:
    point: WPoint = decode_json(body, "nws_points", WPoint)
    props = point.properties
    return GridPoint(props.gridId, props.gridX, props.gridY, props.forecastHourly)


def parse_hourly_forecast(body: bytes) -> HourlyForecast:
    """The forecast and its issue time; ParseError without an updateTime."""
    doc: WForecast = decode_json(body, "nws_forecast", WForecast)
    props = doc.properties
    stamp = props.updateTime
    if not stamp:
        raise ParseError("nws_forecast.properties.updateTime", "missing: no issue time")
    periods = tuple(_period(i, p) for i, p in enumerate(props.periods))
    return HourlyForecast(iso_utc("nws_forecast.updateTime", stamp), periods)


def _period(index: int, period: WPeriod) -> ForecastPeriod:
    where = f"nws_forecast.periods[{index}]"
    return ForecastPeriod(
        valid_start=iso_utc(f"{where}.startTime", period.startTime),
        valid_end=iso_utc(f"{where}.endTime", period.endTime),
        temperature_f=_temperature(where, period),
        dewpoint_f=_dewpoint(period.dewpoint),
        precip_probability=_percent(period.probabilityOfPrecipitation),
        short_forecast=period.shortForecast,
    )


def _temperature(where: str, period: WPeriod) -> Decimal | None:
    if period.temperature is None:
        return None
    value = Decimal(str(period.temperature))
    if period.temperatureUnit == "F":
        return value
    if period.temperatureUnit == "C":
        return (value * 9 / 5 + 32).quantize(Decimal("0.01"))
    raise ParseError(f"{where}.temperatureUnit", "expected F or C", period.temperatureUnit)


def _dewpoint(q: WQuantity | None) -> Decimal | None:
    if q is None or q.value is None:
        return None
    value = Decimal(str(q.value))
    if q.unitCode and q.unitCode.endswith("degF"):
        return value.quantize(Decimal("0.01"))
    return (value * 9 / 5 + 32).quantize(Decimal("0.01"))


def _percent(q: WQuantity | None) -> int | None:
    return None if q is None or q.value is None else int(q.value)


def iso_utc(path: str, text: str) -> datetime:
    """ISO-8601 with an offset (or Z) -> aware UTC datetime."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ParseError(path, "not an ISO-8601 time", text) from None
    if moment.tzinfo is None:
        raise ParseError(path, "time without a UTC offset", text)
    return moment.astimezone(UTC)
