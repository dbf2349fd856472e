"""Weather stations by ICAO id: the settlement stations of `stations.py` plus what the
weather services need (IEM id, CLI product, WFO, coordinates for the NWS grid point).

Coordinates are the ASOS sites' (Midway is 41.7868,-87.7522, not the Loop; weather.md §6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.reference.stations import STATIONS, Station


@dataclass(frozen=True, slots=True)
class Site:
    station: Station
    wfo: str  # forecast office issuing the CLI, e.g. OKX
    lat: float
    lon: float
    cli_names: tuple[str, ...]  # words that pick this station's section in a CLI product

    @property
    def icao(self) -> str:
        return self.station.icao

    @property
    def iem_id(self) -> str:
        return self.station.iem_id

    @property
    def cli_pil(self) -> str:
        return self.station.cli_code

    @property
    def series(self) -> str:
        return self.station.series_ticker

    @property
    def lst(self) -> timezone:
        return self.station.lst

    def climate_day_bounds(self, day: date) -> tuple[datetime, datetime]:
        return self.station.climate_day_bounds(day)

    def climate_day_of(self, moment: datetime) -> date:
        return self.station.climate_day_of(moment)

    def is_final_issue(self, day: date, issued_at: datetime) -> bool:
        """A report issued after its climate day ended is final (the morning CLI)."""
        return issued_at >= self.climate_day_bounds(day)[1]

    def lst_to_utc(self, day: date, hour: int, minute: int) -> datetime:
        local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.lst)
        return local.astimezone(UTC)


_EXTRA: dict[str, tuple[str, float, float, tuple[str, ...]]] = {
    "KNYC": ("OKX", 40.7789, -73.9692, ("CENTRAL PARK",)),
    "KMDW": ("LOT", 41.7868, -87.7522, ("MIDWAY",)),
    "KMIA": ("MFL", 25.7906, -80.3164, ("MIAMI",)),
    "KAUS": ("EWX", 30.1831, -97.6799, ("BERGSTROM", "AUSTIN")),
    "KDEN": ("BOU", 39.8466, -104.6562, ("DENVER",)),
    "KLAX": ("LOX", 33.9382, -118.3866, ("LOS ANGELES",)),
    "KPHL": ("PHI", 39.8733, -75.2268, ("PHILADELPHIA",)),
    "KHOU": ("HGX", 29.6375, -95.2825, ("HOBBY",)),
}

SITES: dict[str, Site] = {
    s.icao: Site(s, *_EXTRA[s.icao]) for s in STATIONS.values() if s.icao in _EXTRA
}


def site_for(name: str) -> Site:
    """A site by ICAO id (KNYC), IEM id (NYC), CLI code or series (KXHIGHNY, KXLOWTNYC)."""
    key = name.strip().upper()
    for site in SITES.values():
        if key in (
            site.icao,
            site.iem_id,
            site.series,
            site.cli_pil,
            site.station.low_series_ticker,
        ):
            return site
    known = ", ".join(sorted(SITES))
    raise ConfigError("station", f"unknown station or series {name!r} (known: {known})")


def utc_day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def days_between(start: date, end: date) -> list[date]:
    """start..end inclusive; ConfigError when end is before start."""
    if end < start:
        raise ConfigError("dates", f"end {end} is before start {start}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
