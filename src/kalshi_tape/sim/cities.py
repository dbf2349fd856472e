"""The simulator's city table (weather.md §1.2) with a rough climatology per city.

Kept inside the simulator so generated markets never depend on other modules' tables;
the normals are approximate monthly mean daily highs (°F), good enough for realism.
Each daily-low series (KXLOWT*) is its high series' city with `settles_on_minimum`: same
station, same climate day and the same latent temperature path, settled on its minimum.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class City:
    series: str
    short_name: str  # as in market titles: "high temp in NYC"
    long_name: str  # as in series titles
    rule_location: str  # rules_primary: "recorded in Central Park, New York"
    cli_code: str
    wfo: str
    lst_offset_hours: int  # local standard time, all year
    iana_zone: str
    normal_highs: tuple[int, ...]  # Jan..Dec
    diurnal_range: float  # typical high - low, °F
    anomaly_sd: float  # day-to-day spread of the high around normal, °F
    settles_on_minimum: bool = False  # a daily-low series (KXLOWT*)
    high_series: str = ""  # a low series: the high series whose latent path it shares

    @property
    def path_series(self) -> str:
        """The series that seeds the latent temperature path (one path per station-day)."""
        return self.high_series or self.series

    @property
    def series_title(self) -> str:
        """ "Highest temperature in NYC", or "Lowest ..." for a daily-low series."""
        extreme = "Lowest" if self.settles_on_minimum else "Highest"
        return f"{extreme} temperature in {self.long_name}"

    @property
    def twc_name(self) -> str:
        """Location as TWC-era rules name it: "New York City (CLINYC)"."""
        name = "New York City" if self.path_series == "KXHIGHNY" else self.long_name
        return f"{name} (CLI{self.cli_code})"

    @property
    def nws_url(self) -> str:
        return (
            f"https://forecast.weather.gov/product.php?site={self.wfo}&product=CLI"
            f"&issuedby={self.cli_code}"
        )


HIGH_CITIES: dict[str, City] = {
    c.series: c
    for c in (
        City(
            "KXHIGHNY",
            "NYC",
            "NYC",
            "recorded in Central Park, New York",
            "NYC",
            "OKX",
            -5,
            "America/New_York",
            (39, 42, 50, 62, 72, 80, 85, 84, 76, 65, 54, 44),
            15.0,
            6.0,
        ),
        City(
            "KXHIGHCHI",
            "Chicago",
            "Chicago",
            "recorded at Chicago Midway, IL",
            "MDW",
            "LOT",
            -6,
            "America/Chicago",
            (32, 36, 47, 59, 70, 80, 84, 82, 75, 62, 48, 36),
            16.0,
            7.0,
        ),
        City(
            "KXHIGHMIA",
            "Miami",
            "Miami",
            "recorded at Miami International Airport, FL",
            "MIA",
            "MFL",
            -5,
            "America/New_York",
            (76, 78, 80, 83, 87, 89, 91, 91, 89, 86, 82, 78),
            10.0,
            2.5,
        ),
        City(
            "KXHIGHAUS",
            "Austin",
            "Austin",
            "recorded at Austin Bergstrom, TX",
            "AUS",
            "EWX",
            -6,
            "America/Chicago",
            (62, 66, 73, 80, 87, 93, 97, 98, 92, 83, 72, 64),
            20.0,
            6.0,
        ),
        City(
            "KXHIGHDEN",
            "Denver",
            "Denver",
            "recorded at Denver International Airport, CO",
            "DEN",
            "BOU",
            -7,
            "America/Denver",
            (45, 46, 54, 61, 71, 83, 90, 88, 79, 65, 52, 44),
            26.0,
            8.0,
        ),
        City(
            "KXHIGHLAX",
            "LA",
            "Los Angeles",
            "recorded at Los Angeles Airport, CA",
            "LAX",
            "LOX",
            -8,
            "America/Los_Angeles",
            (66, 66, 67, 69, 70, 73, 76, 77, 77, 75, 71, 66),
            11.0,
            3.5,
        ),
        City(
            "KXHIGHPHIL",
            "Philadelphia",
            "Philadelphia",
            "recorded at Philadelphia International Airport, PA",
            "PHL",
            "PHI",
            -5,
            "America/New_York",
            (41, 45, 54, 65, 75, 84, 88, 86, 79, 68, 56, 46),
            16.0,
            6.0,
        ),
    )
}

# The daily-low series on the same station's climate report (weather.md §1.2).
LOW_SERIES: dict[str, str] = {
    "KXHIGHNY": "KXLOWTNYC",
    "KXHIGHCHI": "KXLOWTCHI",
    "KXHIGHMIA": "KXLOWTMIA",
    "KXHIGHAUS": "KXLOWTAUS",
    "KXHIGHDEN": "KXLOWTDEN",
    "KXHIGHLAX": "KXLOWTLAX",
    "KXHIGHPHIL": "KXLOWTPHIL",
}

LOW_CITIES: dict[str, City] = {
    low: replace(HIGH_CITIES[high], series=low, settles_on_minimum=True, high_series=high)
    for high, low in LOW_SERIES.items()
}

CITIES: dict[str, City] = HIGH_CITIES | LOW_CITIES
