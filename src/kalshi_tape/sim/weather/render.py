"""The simulated weather in the services' own formats (layouts from weather.md §2-§6)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from kalshi_tape.parse.tickers import MONTHS
from kalshi_tape.sim.weather.model import ClimateIssue, SimWeather, c_tenths
from kalshi_tape.sim.weather.stations import SimStation


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def clock_text(minute_of_day: int) -> str:
    """Minutes after midnight -> "301 PM" (the CLI's LST clock)."""
    hour, minute = divmod(minute_of_day, 60)
    return f"{hour % 12 or 12}{minute:02d} {'AM' if hour < 12 else 'PM'}"


# --------------------------------------------------------------------------- METAR


def _group(tenths: int) -> str:
    return f"{1 if tenths < 0 else 0}{abs(tenths):03d}"


def _body_c(temp_f: int) -> str:
    whole = round(c_tenths(temp_f) / 10)
    return f"M{abs(whole):02d}" if whole < 0 else f"{whole:02d}"


def metar_text(weather: SimWeather, st: SimStation, ts: int) -> tuple[str, dict[str, float]]:
    """The routine METAR at ts and its extremes groups (°C) for the AWC JSON."""
    temp, dew = weather.minute_f(st, ts), min(weather.dewpoint_f(st, ts), weather.minute_f(st, ts))
    when = utc(ts)
    groups: dict[str, float] = {}
    extra = []
    if when.hour % 6 == 5 and when.minute > 30:  # the report closing a synoptic 6-hour block
        hi, lo = _extremes(weather, st, ts - 6 * 3600, ts)
        groups["maxT"], groups["minT"] = c_tenths(hi) / 10, c_tenths(lo) / 10
        extra.append(f"1{_group(c_tenths(hi))} 2{_group(c_tenths(lo))}")
    lst_hour = (when + timedelta(hours=st.city.lst_offset_hours)).hour
    if lst_hour == 23:  # the report nearest midnight LST carries the 24-hour group
        hi, lo = _extremes(weather, st, ts - 24 * 3600, ts)
        groups["maxT24"], groups["minT24"] = c_tenths(hi) / 10, c_tenths(lo) / 10
        extra.append(f"4{_group(c_tenths(hi))}{_group(c_tenths(lo))}")
    remarks = " ".join([f"T{_group(c_tenths(temp))}{_group(c_tenths(dew))}", *extra])
    text = (
        f"{st.icao} {when:%d%H%M}Z AUTO 00000KT 10SM CLR {_body_c(temp)}/{_body_c(dew)} "
        f"A3002 RMK AO2 SLP166 {remarks}"
    )
    groups["temp"], groups["dewp"] = c_tenths(temp) / 10, c_tenths(dew) / 10
    return text, groups


def _extremes(weather: SimWeather, st: SimStation, start: int, end: int) -> tuple[int, int]:
    values = [weather.minute_f(st, t) for t in range(start, end, 60)]
    return max(values), min(values)


def metar_times(st: SimStation, start: int, end: int) -> list[int]:
    """Report times in [start, end): every hour at the station's minute."""
    first = start - start % 3600 + st.metar_minute * 60
    if first < start:
        first += 3600
    return list(range(first, end, 3600))


# --------------------------------------------------------------------------- CLI text


def product_id(issue: ClimateIssue) -> str:
    st = issue.station
    return f"{utc(issue.issued_ts):%Y%m%d%H%M}-K{st.wfo}-{st.wmo}-{st.pil}"


def _issued_line(st: SimStation, ts: int) -> str:
    local = utc(ts).astimezone(ZoneInfo(st.city.iana_zone))
    zone = local.tzname() or "UTC"
    weekday = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")[local.weekday()]
    return (
        f"{clock_text(local.hour * 60 + local.minute)} {zone} {weekday} "
        f"{MONTHS[local.month - 1]} {local.day} {local.year}"
    )


def cli_product(issue: ClimateIssue) -> str:
    """One CLI text product in the NWS layout (CLINYC regime), wrapped in \\x01 ... \\x03."""
    st, day = issue.station, issue.day
    when = utc(issue.issued_ts)
    label = " YESTERDAY" if issue.final else " TODAY"
    valid = "" if issue.final else "VALID TODAY AS OF 0500 PM LOCAL TIME.\n"
    lines = [
        f"{issue.issued_ts % 1000:03d} ",
        f"{st.wmo} K{st.wfo} {when:%d%H%M}",
        st.pil,
        "",
        "CLIMATE REPORT",
        f"NATIONAL WEATHER SERVICE {st.office}",
        _issued_line(st, issue.issued_ts),
        "",
        "...................................",
        "",
        f"...THE {st.cli_headline} CLIMATE SUMMARY FOR {day:%B} {day.day} {day.year}...".upper(),
        valid + "CLIMATE NORMAL PERIOD 1991 TO 2020",
        f"CLIMATE RECORD PERIOD 1869 TO {day.year}",
        "",
        "WEATHER ITEM   OBSERVED TIME   RECORD YEAR NORMAL DEPARTURE LAST",
        "                VALUE   (LST)  VALUE       VALUE  FROM      YEAR",
        "                                                  NORMAL",
        "..................................................................",
        "TEMPERATURE (F)",
        label,
        f"  MAXIMUM       {issue.high_f:>4}  {clock_text(issue.high_minute):>7}",
        f"  MINIMUM       {issue.low_f:>4}  {clock_text(issue.low_minute):>7}",
        f"  AVERAGE       {round((issue.high_f + issue.low_f) / 2):>4}",
        "",
        "PRECIPITATION (IN)",
        f"{label}        0.00",
        "",
        "$$",
    ]
    return "\x01\n" + "\n".join(lines) + "\n\x03\n"


# --------------------------------------------------------------------------- CLI JSON


def cli_json_row(issue: ClimateIssue) -> dict[str, object]:
    st = issue.station
    return {
        "station": st.icao,
        "valid": issue.day.isoformat(),
        "state": st.office[-2:],
        "wfo": st.wfo,
        "link": f"/api/1/nwstext/{product_id(issue)}",
        "product": product_id(issue),
        "name": st.cli_headline[:-3],
        "high": issue.high_f,
        "high_record": "M",
        "high_record_years": [],
        "high_normal": "M",
        "high_depart": "M",
        "high_time": clock_text(issue.high_minute),
        "low": issue.low_f,
        "low_record": "M",
        "low_normal": "M",
        "low_depart": "M",
        "low_time": clock_text(issue.low_minute),
        "precip": 0.0,
        "snow": "M",
    }


# --------------------------------------------------------------------------- forecast


def forecast_json(
    weather: SimWeather, st: SimStation, issued_ts: int, now_ts: int, hours: int = 156
) -> dict[str, object]:
    zone = ZoneInfo(st.city.iana_zone)
    periods = []
    for n in range(hours):
        start = issued_ts + 3600 * n
        temp = weather.forecast_f(st, issued_ts, start)
        dew = min(temp, weather.dewpoint_f(st, start))
        local = utc(start).astimezone(zone)
        periods.append(
            {
                "number": n + 1,
                "name": "",
                "startTime": local.isoformat(),
                "endTime": utc(start + 3600).astimezone(zone).isoformat(),
                "isDaytime": 6 <= local.hour < 18,
                "temperature": temp,
                "temperatureUnit": "F",
                "temperatureTrend": "",
                "probabilityOfPrecipitation": {"unitCode": "wmoUnit:percent", "value": 5},
                "dewpoint": {"unitCode": "wmoUnit:degC", "value": round((dew - 32) * 5 / 9, 2)},
                "windSpeed": "5 mph",
                "windDirection": "SW",
                "shortForecast": "Sunny" if 6 <= local.hour < 18 else "Clear",
                "detailedForecast": "",
            }
        )
    return {
        "type": "Feature",
        "properties": {
            "units": "us",
            "forecastGenerator": "HourlyForecastGenerator",
            "generatedAt": _iso(now_ts),
            "updateTime": _iso(issued_ts),
            "validTimes": f"{_iso(issued_ts)}/P6DT12H",
            "periods": periods,
        },
    }


def _iso(ts: int) -> str:
    return utc(ts).astimezone(UTC).isoformat()


def year_days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]
