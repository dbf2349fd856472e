"""Weather for the settlement of temperature markets: observations, the NWS Daily Climate
Report (CLI), forecasts and settlement checks. See docs/weather.md.

Layout: one pure parser per source (`asos1min`, `metar`, `climate_report`, `cli_json`,
`forecast`, `visualcrossing`), one polite HTTP path (`http`), fetchers over it
(`fetchers`), the fetch pipeline (`pipeline`), settlement checks (`settle`), the library
read/write API (`store`) and the `ktape weather` commands (`cli`).
"""

from kalshi_tape.weather.store import (
    load_climate_day,
    load_daily_climate,
    load_forecasts,
    load_observations,
    write_weather,
)

__all__ = [
    "load_climate_day",
    "load_daily_climate",
    "load_forecasts",
    "load_observations",
    "write_weather",
]
