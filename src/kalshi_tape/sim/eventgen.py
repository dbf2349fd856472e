"""Event skeletons, a pure function of (seed, city, climate date): times, a latent 5-minute
temperature path over the LST climate day, the daily high and low it implies (a KXHIGH*
event settles on the high, a KXLOWT* event on the low), a seeded forecast of that extreme,
the 6-market ladder centred on it, tickers, titles and rules text.

A low series shares its high series' path: both are seeded by (seed, high series, date), so
the station's one climate report states both settlement values."""

from __future__ import annotations

import hashlib
import math
import random
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import NamedTuple
from zoneinfo import ZoneInfo

from kalshi_tape.parse.tickers import date_code
from kalshi_tape.sim.cities import City
from kalshi_tape.sim.model import EventSpec, MarketSpec

PATH_STEP_S = 300
SETTLEMENT_TIMER_S = 3600
TWC_ERA_START = date(2026, 8, 14)
ET = ZoneInfo("America/New_York")


def event_seed(seed: int, series: str, day: date) -> int:
    digest = hashlib.sha256(f"{seed}|{series}|{day.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def event_ticker(series: str, day: date) -> str:
    return f"{series}-{date_code(day)}"


def climate_day_start(city: City, day: date) -> datetime:
    """Midnight local standard time of `day`, as an aware UTC datetime."""
    lst = timezone(timedelta(hours=city.lst_offset_hours))
    return datetime.combine(day, time(0), lst).astimezone(UTC)


def climate_date_at(city: City, ts: float) -> date:
    """The LST climate date that contains Unix second `ts`."""
    return (datetime.fromtimestamp(ts, UTC) + timedelta(hours=city.lst_offset_hours)).date()


def _utc_ts(day: date, at: time, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, at, zone).timestamp())


def _normal_high(city: City, day: date) -> float:
    """Monthly normals interpolated linearly between mid-months."""
    month = day.month - 1
    frac = (day.day - 15) / 30.0
    other = (month + (1 if frac >= 0 else -1)) % 12
    return city.normal_highs[month] + (city.normal_highs[other] - city.normal_highs[month]) * abs(
        frac
    )


def _latent_path(rng: random.Random, city: City, day: date) -> tuple[float, ...]:
    """Temperatures every 5 min over the LST climate day: diurnal shape plus AR(1) noise."""
    high = _normal_high(city, day) + rng.gauss(0.0, city.anomaly_sd)
    amplitude = city.diurnal_range * rng.uniform(0.75, 1.2)
    peak_hour = rng.uniform(14.0, 16.5)
    noise = 0.0
    path = []
    for i in range(86400 // PATH_STEP_S):
        hour = i * PATH_STEP_S / 3600.0
        shape = diurnal_shape(hour, peak_hour)
        noise = 0.97 * noise + rng.gauss(0.0, 0.35)
        path.append(round(high - amplitude * (1.0 - shape) + noise, 2))
    return tuple(path)


def diurnal_shape(hour: float, peak_hour: float) -> float:
    """0 at the morning low (06:00), 1 at the peak; the latent path uses the same curve."""
    if 6.0 <= hour <= peak_hour:
        return 0.5 - 0.5 * math.cos(math.pi * (hour - 6.0) / (peak_hour - 6.0))
    since_peak = (hour - peak_hour) % 24.0
    return 0.5 + 0.5 * math.cos(math.pi * since_peak / (30.0 - peak_hour))


def _date_text(day: date, long: bool) -> str:
    if long:
        return f"{day:%B} {day.day:02d}, {day.year}"
    return f"{day:%b} {day.day}, {day.year}"


def _rules_primary(city: City, day: date, condition: str, twc: bool) -> str:
    """Kalshi's rule text; a low market reads "minimum" / "lowest" where a high reads
    "maximum" / "highest" (weather.md §1.1), with the same bracket grammar."""
    if twc:
        extreme = "minimum" if city.settles_on_minimum else "maximum"
        return (
            f"If the {extreme} temperature recorded at {city.twc_name} for "
            f"{_date_text(day, False)}, is {condition} fahrenheit according to The Weather "
            "Company, then the market resolves to Yes."
        )
    extreme = "lowest" if city.settles_on_minimum else "highest"
    return (
        f"If the {extreme} temperature {city.rule_location} for {_date_text(day, True)}, is "
        f"{condition} according to the National Weather Service's Climatological Report "
        "(Daily), then the market resolves to Yes."
    )


def _rules_secondary(twc: bool) -> str:
    lead = (
        "Not all weather data is the same. While checking a source like AccuWeather or Google "
        "Weather may help guide your decision, the official and final value used to determine "
        "this market is the maximum/minimum temperature as reported by "
    )
    if twc:
        return lead + "the Weather Company."
    return lead + (
        "the corresponding NWS Climatological Report (Daily) linked in the rules above. "
        "Preliminary NWS reporting and measurement methods may be subject to underlying "
        "rounding and conversion nuances. Traders should exercise caution when interpreting "
        "preliminary NWS data."
    )


def _early_close(day: date) -> str:
    text = _date_text(day, True)
    return (
        f"The Last Trading Time will be 11:59 PM local time on {text} regardless of any data "
        "releases or events occurring. Expiration will occur on the sooner of the first 7:00 or "
        f"8:00 AM ET following the release of the data for {text}, or one week after {text}."
    )


def _conditions(kind: str, floor: int | None, cap: int | None) -> tuple[str, str, str]:
    """(yes_sub_title, title condition, rule condition) of one bracket."""
    if kind == "less":
        assert cap is not None
        return f"{cap - 1}° or below", f"<{cap}°", f"less than {cap}°"
    assert floor is not None
    if kind == "greater":
        return f"{floor + 1}° or above", f">{floor}°", f"greater than {floor}°"
    return f"{floor}° to {cap}°", f"{floor}-{cap}°", f"between {floor}-{cap}°"


def _ladder(low: int) -> list[tuple[str, str, int | None, int | None]]:
    """(suffix, strike type, floor, cap): less-than `low`, four 2-degree brackets from `low`,
    greater-than `low + 7`."""
    between = [(f"B{low + 2 * k}.5", "between", low + 2 * k, low + 2 * k + 1) for k in range(4)]
    return [(f"T{low}", "less", None, low), *between, (f"T{low + 7}", "greater", low + 7, None)]


def _markets(
    rng: random.Random, city: City, day: date, low: int, twc: bool, base: str
) -> tuple[MarketSpec, ...]:
    shown = _date_text(day, False)
    which = "low" if city.settles_on_minimum else "high"
    out: list[MarketSpec] = []
    for suffix, kind, floor, cap in _ladder(low):
        sub, title_cond, rule_cond = _conditions(kind, floor, cap)
        out.append(
            MarketSpec(
                ticker=f"{base}-{suffix}",
                index=len(out),
                strike_type=kind,
                floor=floor,
                cap=cap,
                yes_sub_title=sub,
                title=f"Will the **{which} temp in {city.short_name}** be {title_cond} on {shown}?",
                rules_primary=_rules_primary(city, day, rule_cond, twc),
                size_seed=rng.getrandbits(32),
                depth=rng.randint(4, 9),
            )
        )
    return tuple(out)


class _Times(NamedTuple):
    created_us: int
    open_ts: int
    close_ts: int
    determination_ts: int
    day_start_ts: int


def _event_times(rng: random.Random, city: City, day: date) -> _Times:
    """Listing at 10:00 local the day before, close at the end of the LST climate day."""
    open_ts = _utc_ts(day - timedelta(days=1), time(10), ZoneInfo(city.iana_zone))
    day_start = int(climate_day_start(city, day).timestamp())
    close_ts = day_start + 86400 - 60
    created_us = (open_ts - 16200 + rng.randint(0, 120)) * 1_000_000 + rng.randint(0, 999_999)
    determination_ts = close_ts + 60 + 5 * 3600 + rng.randint(0, 2700)
    return _Times(created_us, open_ts, close_ts, determination_ts, day_start)


def _event_title(city: City, day: date) -> str:
    extreme = "Lowest" if city.settles_on_minimum else "Highest"
    return f"{extreme} temperature in {city.short_name} on {_date_text(day, False)}?"


def make_event(seed: int, city: City, day: date) -> EventSpec:
    """The skeleton of the event for `city` on climate date `day` (pure, ~0.3 ms)."""
    ev_seed = event_seed(seed, city.series, day)
    path_rng = random.Random(event_seed(seed, city.path_series, day))
    path = _latent_path(path_rng, city, day)
    # a high event goes on with the path's generator; a low one has its own
    rng = random.Random(ev_seed) if city.settles_on_minimum else path_rng
    extreme = min(path) if city.settles_on_minimum else max(path)
    forecast = extreme + rng.gauss(0.0, 2.5)
    twc = day >= TWC_ERA_START
    ticker = event_ticker(city.series, day)
    times = _event_times(rng, city, day)
    return EventSpec(
        series=city.series,
        city=city,
        date=day,
        event_ticker=ticker,
        title=_event_title(city, day),
        sub_title=f"On {_date_text(day, False)}",
        settlement_ts=times.determination_ts + SETTLEMENT_TIMER_S,
        expected_expiration_ts=_utc_ts(day + timedelta(days=1), time(10), ET),
        latest_expiration_ts=_utc_ts(day + timedelta(days=7), time(10), ET),
        occurrence_ts=_utc_ts(day, time(10), ET),
        path=path,
        daily_high=round(max(path)),
        daily_low=round(min(path)),
        forecast=forecast,
        markets=_markets(rng, city, day, round(forecast) - 3, twc, ticker),
        rules_secondary=_rules_secondary(twc),
        early_close_condition=_early_close(day),
        twc_era=twc,
        seed=ev_seed,
        settles_on_minimum=city.settles_on_minimum,
        **times._asdict(),
    )
