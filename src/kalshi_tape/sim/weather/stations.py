"""What the simulated weather services know of each city's station (kept inside the
simulator, like `sim.cities`): ids, names as the products print them, office, grid point."""

from __future__ import annotations

from dataclasses import dataclass

from kalshi_tape.sim.cities import CITIES, City


@dataclass(frozen=True, slots=True)
class SimStation:
    city: City
    name: str  # IEM station_name
    cli_headline: str  # "CENTRAL PARK NY"
    office: str  # "NEW YORK NY"
    wmo: str  # CDUS41 ...
    lat: float
    lon: float
    grid: tuple[int, int]
    metar_minute: int  # routine reports at HH:MM

    @property
    def code(self) -> str:
        return self.city.cli_code  # NYC

    @property
    def icao(self) -> str:
        return "K" + self.city.cli_code

    @property
    def wfo(self) -> str:
        return self.city.wfo

    @property
    def pil(self) -> str:
        return "CLI" + self.city.cli_code


_TABLE = {
    "KXHIGHNY": (
        "NEW YORK CITY",
        "CENTRAL PARK NY",
        "NEW YORK NY",
        "CDUS41",
        40.7789,
        -73.9692,
        (33, 37),
        51,
    ),
    "KXHIGHCHI": (
        "CHICAGO/MIDWAY",
        "CHICAGO MIDWAY IL",
        "CHICAGO IL",
        "CDUS43",
        41.7868,
        -87.7522,
        (67, 64),
        53,
    ),
    "KXHIGHMIA": (
        "MIAMI INTL AIRPORT",
        "MIAMI FL",
        "MIAMI FL",
        "CDUS42",
        25.7906,
        -80.3164,
        (106, 51),
        53,
    ),
    "KXHIGHAUS": (
        "AUSTIN/BERGSTROM",
        "AUSTIN BERGSTROM TX",
        "AUSTIN/SAN ANTONIO TX",
        "CDUS44",
        30.1831,
        -97.6799,
        (159, 88),
        53,
    ),
    "KXHIGHDEN": (
        "DENVER INTL AIRPORT",
        "DENVER CO",
        "DENVER/BOULDER CO",
        "CDUS45",
        39.8466,
        -104.6562,
        (74, 66),
        53,
    ),
    "KXHIGHLAX": (
        "LOS ANGELES INTL",
        "LOS ANGELES INTL AIRPORT CA",
        "LOS ANGELES/OXNARD CA",
        "CDUS46",
        33.9382,
        -118.3866,
        (148, 41),
        53,
    ),
    "KXHIGHPHIL": (
        "PHILADELPHIA INTL",
        "PHILADELPHIA PA",
        "MOUNT HOLLY NJ",
        "CDUS41",
        39.8733,
        -75.2268,
        (49, 75),
        54,
    ),
}

STATIONS: dict[str, SimStation] = {
    series: SimStation(CITIES[series], *row) for series, row in _TABLE.items() if series in CITIES
}


def find_station(name: str) -> SimStation | None:
    """By ICAO (KNYC), IEM id (NYC) or CLI PIL (CLINYC)."""
    key = name.strip().upper()
    for station in STATIONS.values():
        if key in (station.icao, station.code, station.pil):
            return station
    return None


def station_at(lat: float, lon: float) -> SimStation | None:
    """The station whose grid point holds (lat, lon): within 0.2° of its site."""
    for station in STATIONS.values():
        if abs(station.lat - lat) <= 0.2 and abs(station.lon - lon) <= 0.2:
            return station
    return None


def station_on_grid(wfo: str, x: int, y: int) -> SimStation | None:
    for station in STATIONS.values():
        if station.wfo == wfo.upper() and station.grid == (x, y):
            return station
    return None
