"""Series -> city, settlement station and climate day (local standard time, all year).

The NWS Daily Climate Report covers midnight to midnight local *standard* time, so the
climate day of date D is [D 00:00, D+1 00:00) at a fixed UTC offset, never shifted by DST.
Sources: shared reference weather.md §1.2-1.3. Rules text in each market stays the
authority for the settlement source; this table only says where to look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone


@dataclass(frozen=True, slots=True)
class Station:
    series_ticker: str
    city: str
    rule_location: str
    cli_code: str
    icao: str
    iem_id: str
    lst_offset_hours: int
    iana_zone: str
    low_series_ticker: str | None = None  # the daily-low series on the same CLI (KXLOWT*)

    @property
    def lst(self) -> timezone:
        """The fixed local-standard-time zone of the climate day."""
        return timezone(timedelta(hours=self.lst_offset_hours))

    def climate_day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """UTC start (inclusive) and end (exclusive) of climate day `day`."""
        start = datetime(day.year, day.month, day.day, tzinfo=self.lst).astimezone(UTC)
        return start, start + timedelta(days=1)

    def climate_day_of(self, moment: datetime) -> date:
        """The climate day an aware instant belongs to."""
        return moment.astimezone(self.lst).date()


STATIONS: dict[str, Station] = {
    s.series_ticker: s
    for s in (
        Station(
            "KXHIGHNY",
            "New York",
            "Central Park, New York",
            "CLINYC",
            "KNYC",
            "NYC",
            -5,
            "America/New_York",
            "KXLOWTNYC",
        ),
        Station(
            "KXHIGHCHI",
            "Chicago",
            "Chicago Midway, IL",
            "CLIMDW",
            "KMDW",
            "MDW",
            -6,
            "America/Chicago",
            "KXLOWTCHI",
        ),
        Station(
            "KXHIGHMIA",
            "Miami",
            "Miami International Airport",
            "CLIMIA",
            "KMIA",
            "MIA",
            -5,
            "America/New_York",
            "KXLOWTMIA",
        ),
        Station(
            "KXHIGHAUS",
            "Austin",
            "Austin Bergstrom",
            "CLIAUS",
            "KAUS",
            "AUS",
            -6,
            "America/Chicago",
            "KXLOWTAUS",
        ),
        Station(
            "KXHIGHDEN",
            "Denver",
            "Denver International Airport",
            "CLIDEN",
            "KDEN",
            "DEN",
            -7,
            "America/Denver",
            "KXLOWTDEN",
        ),
        Station(
            "KXHIGHLAX",
            "Los Angeles",
            "Los Angeles International Airport",
            "CLILAX",
            "KLAX",
            "LAX",
            -8,
            "America/Los_Angeles",
            "KXLOWTLAX",
        ),
        Station(
            "KXHIGHPHIL",
            "Philadelphia",
            "Philadelphia International Airport",
            "CLIPHL",
            "KPHL",
            "PHL",
            -5,
            "America/New_York",
            "KXLOWTPHIL",
        ),
        Station(
            "KXHIGHTHOU",
            "Houston",
            "Houston-Hobby, TX",
            "CLIHOU",
            "KHOU",
            "HOU",
            -6,
            "America/Chicago",
        ),
    )
}


LOW_SERIES: dict[str, Station] = {
    s.low_series_ticker: s for s in STATIONS.values() if s.low_series_ticker
}


def station_for(series_ticker: str) -> Station | None:
    """The station of a daily-high or daily-low series, or None when the series is unknown."""
    key = series_ticker.upper()
    return STATIONS.get(key) or LOW_SERIES.get(key)


def settles_on_minimum(series_ticker: str) -> bool:
    """True for a daily-low series (KXLOWT*): it settles on the CLI minimum, not the maximum."""
    return series_ticker.upper() in LOW_SERIES
