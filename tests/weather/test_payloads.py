"""Parsers of the JSON/CSV services on fixtures built from their documented layouts, and
bad input: HTML error pages, truncated bodies, malformed values -> ParseError."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from kalshi_tape.core.errors import ParseError
from kalshi_tape.weather.asos1min import parse_asos1min
from kalshi_tape.weather.cli_json import parse_cli_json, product_time
from kalshi_tape.weather.forecast import parse_hourly_forecast, parse_point
from kalshi_tape.weather.visualcrossing import parse_timeline
from tests.weather.samples import (
    ASOS1MIN_CSV,
    HTML_PAGE,
    IEM_CLI_JSON,
    NWS_HOURLY,
    NWS_POINT,
    VC_TIMELINE,
)


def test_asos1min_rows() -> None:
    rows = parse_asos1min(ASOS1MIN_CSV)
    assert [r.observed_at.minute for r in rows] == [0, 1, 2]
    assert rows[0].observed_at == datetime(2026, 7, 1, 5, 0, tzinfo=UTC)
    assert (rows[0].temperature_f, rows[0].dewpoint_f) == (Decimal(75), Decimal(60))
    assert rows[1].temperature_f is None  # "M"
    assert rows[2].raw == "NYC,NEW YORK CITY,2026-07-01 05:02,76,61"


def test_asos1min_local_zone_header_is_converted_to_utc() -> None:
    body = ASOS1MIN_CSV.replace(b"valid(UTC)", b"valid(America/New_York)")
    assert parse_asos1min(body)[0].observed_at == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "body",
    [
        ASOS1MIN_CSV[:-9],  # cut inside the last row
        ASOS1MIN_CSV[:-1] + b",",  # no final newline
        ASOS1MIN_CSV + b"NYC,NEW YORK CITY,2026-07-01 05:03\n",  # short row
        ASOS1MIN_CSV.replace(b"05:02", b"5h02"),
        ASOS1MIN_CSV.replace(b",75,", b",hot,"),
        b"station,valid\nNYC,2026\n",
        HTML_PAGE,
    ],
)
def test_asos1min_bad_bodies(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_asos1min(body)


def test_iem_cli_json_values_missing_and_trace() -> None:
    first, second = parse_cli_json(IEM_CLI_JSON)
    assert (first.climate_date, first.high_f, first.low_f) == (date(2013, 1, 2), 33, 22)
    assert first.issued_at == datetime(2013, 1, 3, 6, 16, tzinfo=UTC)
    assert first.high_time == "301 PM"
    assert (second.high_f, second.low_f) == (None, None)  # "M"


@pytest.mark.parametrize(
    "body",
    [
        HTML_PAGE,
        b"",
        b'{"results": [{"station": "KNYC"}]}',
        b'{"results": [{"station": "KNYC", "valid": "2013-02-30", "high": 1}]}',
        b'{"results": [{"station": "KNYC", "valid": "2013-01-02", "high": "hot"}]}',
        IEM_CLI_JSON[:-40],
    ],
)
def test_iem_cli_json_bad_bodies(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_cli_json(body)


def test_product_time() -> None:
    assert product_time("202512041421-KOKX-CDUS41-CLINYC") == datetime(
        2025, 12, 4, 14, 21, tzinfo=UTC
    )
    with pytest.raises(ParseError):
        product_time("KOKX-CDUS41-CLINYC")


def test_nws_point_and_hourly_forecast() -> None:
    point = parse_point(NWS_POINT)
    assert (point.wfo, point.x, point.y) == ("OKX", 33, 37)
    forecast = parse_hourly_forecast(NWS_HOURLY)
    assert forecast.issued_at == datetime(2026, 7, 1, 13, 38, 41, tzinfo=UTC)
    (period,) = forecast.periods
    assert period.valid_start == datetime(2026, 7, 1, 14, 0, tzinfo=UTC)
    assert period.temperature_f == Decimal(84)
    assert period.dewpoint_f == Decimal("65.00")  # 18.3333 °C
    assert (period.precip_probability, period.short_forecast) == (20, "Mostly Sunny")


def test_forecast_without_issue_time_is_refused() -> None:
    with pytest.raises(ParseError, match="updateTime"):
        parse_hourly_forecast(NWS_HOURLY.replace(b'"updateTime"', b'"updatedAt"'))
    with pytest.raises(ParseError, match="HTML"):
        parse_hourly_forecast(HTML_PAGE)


def test_visual_crossing_minutes_then_hours() -> None:
    points = parse_timeline(VC_TIMELINE)
    assert [p.observed_at.minute for p in points] == [0, 5, 0]
    assert [p.temperature_f for p in points] == [
        Decimal("75.20"),
        Decimal("75.00"),
        Decimal("74.10"),
    ]
