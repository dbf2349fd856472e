"""`ktape weather` settings: the `weather:` mapping of the file, `KTAPE_WEATHER_*`, the
weather commands' flags. (The services' URLs are shared settings: `iem_url`, ...)"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kalshi_tape.settings.base import FilePath, Integer, Positive, Section


class WeatherModel(Section):
    """How the weather services are asked. Times are in seconds."""

    section = "weather"

    rate_per_s: Positive = 5.0  # requests/s to a host without a known limit
    timeout_s: Positive = 30.0  # one request at most
    max_retries: Annotated[Integer, Field(ge=0, le=20)] = 4  # per request, with backoff
    cache_dir: FilePath | None = None  # final responses kept
