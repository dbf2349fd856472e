"""The weather tables of the warehouse schema (kalshi_tape.weather; docs/weather.md).

Kept beside `schema.py`, which lists them in TABLES; docs/schemas.md shows every column.
"""

from __future__ import annotations

from kalshi_tape.storage.schema_model import Table, TimeAxis, _c, _ingested, _key

WEATHER_OBSERVATIONS = Table(
    "weather_observations",
    "Station observations, one row per report (kalshi_tape.weather; docs/weather.md). "
    "Temperatures are whole °F as the station measured them: METAR tenths-of-°C groups are "
    "converted back with round-half-up, so they carry no F->C->F error.",
    (
        _key("station", "text", "", "ICAO station id, e.g. KNYC"),
        _key(
            "source",
            "text",
            "",
            "asos1min (IEM 1-minute CSV), metar_iem (IEM METAR archive), metar_awc "
            "(Aviation Weather Center JSON), visualcrossing (VC timeline minutes)",
        ),
        _key("observed_at", "timestamp", "UTC", "Observation time (METAR: the report's time)"),
        _c("temperature_f", "temp", "°F", "Air temperature (METAR: T-group when present)"),
        _c("dewpoint_f", "temp", "°F", "Dew point"),
        _c("raw_text", "text", "", "The report as received (METAR text, CSV row, JSON)"),
        _c("max_6h_f", "temp", "°F", "METAR 1snTTT group: maximum of the previous 6 hours"),
        _c("min_6h_f", "temp", "°F", "METAR 2snTTT group: minimum of the previous 6 hours"),
        _c("max_24h_f", "temp", "°F", "METAR 4snTTTsnTTT group: maximum of the previous 24 h"),
        _c("min_24h_f", "temp", "°F", "METAR 4snTTTsnTTT group: minimum of the previous 24 h"),
        _ingested(),
    ),
    ("station", "source", "observed_at"),
    time=TimeAxis("observed_at", segment_by="station"),
)

DAILY_CLIMATE = Table(
    "daily_climate",
    "Daily climate values per station and climate day (midnight to midnight local STANDARD "
    "time, all year). One row per source: the latest issuance, except that a preliminary "
    "report never replaces a final one.",
    (
        _key("station", "text", "", "ICAO station id, e.g. KNYC"),
        _key("climate_date", "date", "LST day", "Climate day in local standard time"),
        _key(
            "source",
            "text",
            "",
            "cli (the NWS CLI text product) or iem_cli (IEM's parsed CLI JSON)",
        ),
        _c("max_temp_f", "temp", "°F", "Maximum temperature (the value Kalshi settles on)"),
        _c("min_temp_f", "temp", "°F", "Minimum temperature"),
        _c(
            "is_final",
            "bool",
            "",
            "False for a same-day preliminary (issued before the climate day ended)",
        ),
        _c("issued_at", "timestamp", "UTC", "When the report was issued"),
        _c("raw_text", "text", "", "The report as received (product text or JSON row)"),
        _ingested(),
    ),
    ("station", "climate_date", "source"),
)

WEATHER_FORECASTS = Table(
    "weather_forecasts",
    "Hourly point forecasts (NWS API forecast/hourly) as issued: a backtest at time t may use "
    "only rows with issued_at <= t (and fetched_at <= t for what we actually held).",
    (
        _key("station", "text", "", "ICAO station id whose grid point was forecast"),
        _key("source", "text", "", "nws_hourly"),
        _key("issued_at", "timestamp", "UTC", "Issue time of the forecast (NWS updateTime)"),
        _key("valid_start", "timestamp", "UTC", "Start of the forecast period"),
        _c("valid_end", "timestamp", "UTC", "End of the forecast period (exclusive)"),
        _c("temperature_f", "temp", "°F", "Forecast air temperature"),
        _c("dewpoint_f", "temp", "°F", "Forecast dew point"),
        _c("precip_probability", "int", "%", "Probability of precipitation"),
        _c("short_forecast", "text", "", "Short text, e.g. 'Mostly Sunny'"),
        _c("fetched_at", "timestamp", "UTC", "Our clock when the forecast was received"),
        _ingested(),
    ),
    ("station", "source", "issued_at", "valid_start"),
    time=TimeAxis("issued_at", segment_by="station"),
)
