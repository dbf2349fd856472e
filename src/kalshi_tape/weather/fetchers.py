"""Thin fetchers: one request shape per source through `WeatherHttp`, then the pure parser.

Base URLs come from the settings (`iem_url`, `awc_url`, `nws_url`, `visual_crossing_url`),
so the same code reads the real services or `ktape sim`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.weather.asos1min import MinuteObservation, parse_asos1min
from kalshi_tape.weather.cli_json import IemCliDay, parse_cli_json
from kalshi_tape.weather.climate_report import ClimateReport, parse_cli_product, split_products
from kalshi_tape.weather.forecast import HourlyForecast, parse_hourly_forecast, parse_point
from kalshi_tape.weather.http import WeatherHttp
from kalshi_tape.weather.metar import MetarReport, parse_awc_json, parse_iem_metar_csv
from kalshi_tape.weather.payload import text_of
from kalshi_tape.weather.sites import Site
from kalshi_tape.weather.visualcrossing import VcObservation, parse_timeline

AWC_HISTORY = timedelta(days=15)  # AWC serves "up to the previous 15 days"


@dataclass(frozen=True, slots=True)
class Endpoints:
    iem: str
    awc: str
    nws: str
    visual_crossing: str
    visual_crossing_key: str | None = None


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ")


async def fetch_asos1min(
    http: WeatherHttp, base: str, site: Site, start: datetime, end: datetime, cache_ttl_s: float = 0
) -> list[MinuteObservation]:
    """1-minute temperatures in [start, end) (UTC)."""
    params = {
        "station": site.iem_id,
        "vars": ["tmpf", "dwpf"],
        "sts": _iso(start),
        "ets": _iso(end),
        "sample": "1min",
        "tz": "UTC",
        "delim": "comma",
        "what": "download",
    }
    url = f"{base.rstrip('/')}/cgi-bin/request/asos1min.py"
    return parse_asos1min(await http.get(url, params, cache_ttl_s=cache_ttl_s))


async def fetch_metar_iem(
    http: WeatherHttp, base: str, site: Site, start: datetime, end: datetime, cache_ttl_s: float = 0
) -> list[MetarReport]:
    """Routine METARs and specials in [start, end) from IEM's archive."""
    params = {
        "station": site.icao,
        "data": "metar",
        "sts": _iso(start),
        "ets": _iso(end),
        "tz": "UTC",
        "format": "onlycomma",
        "missing": "M",
        "report_type": ["3", "4"],  # routine METARs and specials
    }
    url = f"{base.rstrip('/')}/cgi-bin/request/asos.py"
    reports = parse_iem_metar_csv(await http.get(url, params, cache_ttl_s=cache_ttl_s))
    return [r for r in reports if r.station == site.icao]


async def fetch_metar_awc(
    http: WeatherHttp, base: str, site: Site, start: datetime, end: datetime
) -> list[MetarReport]:
    """METARs in [start, end) from the Aviation Weather Center (last 15 days only)."""
    hours = max(1, int((end - start).total_seconds() // 3600) + 1)
    stamp = end.strftime("%Y-%m-%dT%H:%M:%SZ")
    params = {"ids": site.icao, "format": "json", "hours": str(hours), "date": stamp}
    url = f"{base.rstrip('/')}/api/data/metar"
    reports = parse_awc_json(await http.get(url, params))
    return [r for r in reports if r.station == site.icao and start <= r.observed_at < end]


async def fetch_cli_json(
    http: WeatherHttp, base: str, site: Site, year: int, cache_ttl_s: float = 0
) -> list[IemCliDay]:
    """IEM's CLI rows of a whole year (latest issuance per day)."""
    params = {"station": site.icao, "year": str(year), "fmt": "json"}
    url = f"{base.rstrip('/')}/json/cli.py"
    days = parse_cli_json(await http.get(url, params, cache_ttl_s=cache_ttl_s))
    return [d for d in days if d.station == site.icao]


async def fetch_cli_text(
    http: WeatherHttp, base: str, site: Site, first: date, last: date, cache_ttl_s: float = 0
) -> list[ClimateReport]:
    """Every CLI product issued for `site` between first and last+2 days (UTC), parsed;
    the section of our station only, in issue order."""
    params = {
        "pil": site.cli_pil,
        "fmt": "text",
        "limit": "9999",
        "order": "asc",
        "sdate": first.isoformat(),
        "edate": (last + timedelta(days=2)).isoformat(),
    }
    url = f"{base.rstrip('/')}/cgi-bin/afos/retrieve.py"
    text = text_of(await http.get(url, params, cache_ttl_s=cache_ttl_s), "cli_text")
    reports = []
    for product in split_products(text):
        section = pick_section(parse_cli_product(product, site.cli_names), site)
        if section is not None and first <= section.climate_date <= last:
            reports.append(section)
    return reports


def pick_section(reports: list[ClimateReport], site: Site) -> ClimateReport | None:
    """Our station's section: the one whose headline holds the site's first name word that
    any headline holds (the names are in priority order: BERGSTROM before AUSTIN), else the
    only section of our own product."""
    for name in site.cli_names:
        named = [r for r in reports if name in r.station_name]
        if named:
            return named[0]
    if len(reports) == 1 and reports[0].pil in (None, site.cli_pil):
        return reports[0]
    return None


async def fetch_forecast(http: WeatherHttp, base: str, site: Site) -> HourlyForecast:
    """The current hourly forecast for the station's own grid point."""
    root = base.rstrip("/")
    point = parse_point(await http.get(f"{root}/points/{site.lat:.4f},{site.lon:.4f}"))
    url = f"{root}/gridpoints/{point.wfo}/{point.x},{point.y}/forecast/hourly"
    return parse_hourly_forecast(await http.get(url))


async def fetch_visualcrossing(
    http: WeatherHttp, base: str, key: str, site: Site, first: date, last: date
) -> list[VcObservation]:
    """5-minute station observations (Timeline API, include=minutes)."""
    if not key:
        raise ConfigError("visual_crossing_key", "not configured (set VISUAL_CROSSING_KEY)")
    url = (
        f"{base.rstrip('/')}/VisualCrossingWebServices/rest/services/timeline/"
        f"stn:{site.icao}/{first.isoformat()}/{last.isoformat()}"
    )
    params = {
        "key": key,
        "unitGroup": "us",
        "include": "minutes",
        "options": "useobs,minuteinterval_5,nonulls",
        "timezone": "Z",
        "elements": "datetimeEpoch,temp,dew",
        "contentType": "json",
    }
    return parse_timeline(await http.get(url, params))
