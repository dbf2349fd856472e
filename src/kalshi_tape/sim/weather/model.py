"""The simulated weather, read off each event's latent 5-minute temperature path.

* Minute temperatures: the path interpolated linearly, as whole °F with the generator's own
  rounding, so the day's highest minute equals the event's `daily_high` and its lowest the
  `daily_low` (the path's extremes are grid points, interpolation never passes them,
  rounding is monotone). A daily-low series shares its high series' path and station.
* METAR: routine reports each hour at the station's minute, T-group in tenths of °C from
  the whole °F, 6-hour groups at 00/06/12/18Z, a 24-hour group at midnight LST.
* CLI: a final report each morning (01:30-04:30 LST) whose MAXIMUM is `daily_high` and
  MINIMUM `daily_low` (the values the high and low markets settle on); on seeded days
  also a same-day preliminary "VALID TODAY AS OF 0500 PM" from the temperatures up to
  17:00 LST, its high sometimes off by a degree, which the final then corrects.
* Forecasts: issued hourly, the path plus an error that grows with lead time.

Everything is a pure function of (seed, station, time); nothing after `now` is served.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from datetime import date, timedelta

from kalshi_tape.sim.generator import (
    PATH_STEP_S,
    EventSpec,
    climate_date_at,
    climate_day_start,
    make_event,
)
from kalshi_tape.sim.weather.stations import SimStation

DAY_S = 86400
ASOS1MIN_DELAY_S = 24 * 3600  # NCEI 1-minute archive: about a day late
METAR_RECEIPT_S = 180  # a report reaches the feeds a few minutes after its time
PRELIM_AT_S = 17 * 3600  # "VALID TODAY AS OF 0500 PM LOCAL TIME"
PRELIM_SHARE = 0.5  # share of days with an afternoon preliminary
PRELIM_OFF_SHARE = 0.35  # of those, share whose value is off by a degree (then corrected)


def unit_hash(*parts: object) -> float:
    """A deterministic uniform number in [0, 1) from the parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def c_tenths(temp_f: int) -> int:
    """Whole °F -> tenths of °C, rounded half away from zero (as ASOS encodes)."""
    tenths = (temp_f - 32) * 50 / 9
    return int(math.copysign(math.floor(abs(tenths) + 0.5), tenths))


@dataclass(frozen=True, slots=True)
class ClimateIssue:
    """One CLI issuance: preliminary (same afternoon) or final (next morning)."""

    station: SimStation
    day: date
    issued_ts: int
    final: bool
    high_f: int
    high_minute: int  # minutes after LST midnight
    low_f: int
    low_minute: int


class SimWeather:
    """Weather of every simulated station, derived from the market generator's paths."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    # ------------------------------------------------------------------ latent values

    @functools.lru_cache(maxsize=512)  # noqa: B019 - one instance per simulator
    def event(self, series: str, day: date) -> EventSpec:
        from kalshi_tape.sim.cities import CITIES

        return make_event(self.seed, CITIES[series], day)

    def temperature(self, station: SimStation, ts: float) -> float:
        """The latent temperature (°F, float) at Unix second ts."""
        day = climate_date_at(station.city, ts)
        spec = self.event(station.city.series, day)
        offset = (ts - spec.day_start_ts) / PATH_STEP_S
        i = min(int(offset), len(spec.path) - 1)
        j = min(i + 1, len(spec.path) - 1)
        frac = offset - int(offset) if j > i else 0.0
        return spec.path[i] + (spec.path[j] - spec.path[i]) * frac

    def minute_f(self, station: SimStation, ts: int) -> int:
        """Whole °F of the minute holding ts (same rounding as the daily high)."""
        day = climate_date_at(station.city, ts)
        start = int(climate_day_start(station.city, day).timestamp())
        return self.day_minutes(station, day)[(ts - start) // 60]

    def dewpoint_f(self, station: SimStation, ts: int) -> int:
        spread = 8.0 + 6.0 * math.sin(ts / 40000.0 + unit_hash(self.seed, station.code) * 6)
        return round(self.temperature(station, ts) - spread)

    def minute_missing(self, station: SimStation, ts: int) -> bool:
        """A few minutes are missing from the 1-minute archive (never the day's peak or
        trough)."""
        if unit_hash(self.seed, station.code, ts, "gap") >= 0.004:
            return False
        day = climate_date_at(station.city, ts)
        minutes = self.day_minutes(station, day)
        return min(minutes) < self.minute_f(station, ts) < max(minutes)

    @functools.lru_cache(maxsize=2048)  # noqa: B019 - one instance per simulator
    def day_minutes(self, station: SimStation, day: date) -> tuple[int, ...]:
        """Whole °F of each of the climate day's 1440 minutes (the path interpolated)."""
        path = self.event(station.city.series, day).path
        last = len(path) - 1
        step = PATH_STEP_S // 60
        out = []
        for m in range(1440):
            i, k = divmod(m, step)
            j = min(i + 1, last)
            out.append(round(path[i] + (path[j] - path[i]) * k / step if j > i else path[i]))
        return tuple(out)

    # ------------------------------------------------------------------ CLI

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one instance per simulator
    def climate_issues(self, station: SimStation, day: date) -> list[ClimateIssue]:
        """The CLI issuances of a climate day, in issue order (preliminary first)."""
        spec = self.event(station.city.series, day)
        minutes = self.day_minutes(station, day)
        start = spec.day_start_ts
        issues = []
        if unit_hash(self.seed, station.code, day, "prelim") < PRELIM_SHARE:
            upto = minutes[: PRELIM_AT_S // 60 + 1]
            off = unit_hash(self.seed, station.code, day, "off")
            delta = 0 if off >= PRELIM_OFF_SHARE else (1 if off < PRELIM_OFF_SHARE / 2 else -1)
            delay = 600 + int(unit_hash(self.seed, station.code, day, "pdelay") * 1800)
            issues.append(_issue(station, day, start + PRELIM_AT_S + delay, False, upto, delta))
        delay = 5400 + int(unit_hash(self.seed, station.code, day, "fdelay") * 10800)
        final = _issue(station, day, start + DAY_S + delay, True, minutes, 0)
        assert final.high_f == spec.daily_high, "the final CLI must state the settled high"
        assert final.low_f == spec.daily_low, "the final CLI must state the settled low"
        issues.append(final)
        return issues

    def issued_by(self, station: SimStation, day: date, now_s: int) -> list[ClimateIssue]:
        return [i for i in self.climate_issues(station, day) if i.issued_ts <= now_s]

    # ------------------------------------------------------------------ forecasts

    def forecast_f(self, station: SimStation, issued_ts: int, valid_ts: int) -> int:
        """The forecast made at issued_ts for the hour starting valid_ts."""
        lead_h = max(0.0, (valid_ts - issued_ts) / 3600.0)
        sd = min(6.0, 1.0 + 0.06 * lead_h)
        day = climate_date_at(station.city, valid_ts)
        bias = _gauss(self.seed, station.code, issued_ts, day, "bias") * sd
        wiggle = _gauss(self.seed, station.code, issued_ts, valid_ts, "noise") * 0.6
        return round(self.temperature(station, valid_ts) + bias + wiggle)


def _issue(
    station: SimStation,
    day: date,
    issued_ts: int,
    final: bool,
    minutes: tuple[int, ...],
    delta: int,
) -> ClimateIssue:
    high = max(minutes)
    low = min(minutes)
    return ClimateIssue(
        station=station,
        day=day,
        issued_ts=issued_ts,
        final=final,
        high_f=high + delta,
        high_minute=minutes.index(high),
        low_f=low,
        low_minute=minutes.index(low),
    )


def _gauss(*parts: object) -> float:
    """A deterministic standard normal draw (Box-Muller on two hashes)."""
    u1 = max(unit_hash(*parts, 1), 1e-12)
    u2 = unit_hash(*parts, 2)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def climate_days(station: SimStation, first_ts: int, last_ts: int) -> list[date]:
    """Climate days touching [first_ts, last_ts]."""
    first = climate_date_at(station.city, first_ts)
    last = climate_date_at(station.city, last_ts)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
