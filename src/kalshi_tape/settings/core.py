"""Kalshi exchange, client, warehouse and weather settings (`ktape` everywhere)."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr

from kalshi_tape.settings.base import HttpUrl, StrictSettings, WsUrl

PRODUCTION_BASE_URL = "https://external-api.kalshi.com/trade-api/v2"
DEFAULT_DB_URL = "duckdb:///kalshi-tape.duckdb"
# Weather services (kalshi_tape.weather); point them at `ktape sim` to test offline.
IEM_URL = "https://mesonet.agron.iastate.edu"
AWC_URL = "https://aviationweather.gov"
NWS_URL = "https://api.weather.gov"
VISUAL_CROSSING_URL = "https://weather.visualcrossing.com"
Tier = Literal[
    "basic", "advanced", "expert", "premier", "paragon", "prime", "prestige", "unlimited"
]

# setting -> environment variable (the Kalshi names follow Kalshi's own examples)
ENV_NAMES = {
    "api_key_id": "KALSHI_API_KEY_ID",
    "private_key_path": "KALSHI_PRIVATE_KEY_PATH",
    "base_url": "KALSHI_BASE_URL",
    "ws_url": "KALSHI_WS_URL",
    "tier": "KALSHI_TIER",
    "db_url": "KTAPE_DB",
    "iem_url": "KTAPE_IEM_URL",
    "awc_url": "KTAPE_AWC_URL",
    "nws_url": "KTAPE_NWS_URL",
    "visual_crossing_url": "KTAPE_VISUAL_CROSSING_URL",
    "visual_crossing_key": "VISUAL_CROSSING_KEY",
}


class CoreModel(StrictSettings):
    """Top-level keys of the YAML file; see docs/configuration.md."""

    base_url: HttpUrl = PRODUCTION_BASE_URL
    ws_url: WsUrl | None = None
    api_key_id: SecretStr | None = None
    private_key_path: SecretStr | None = None
    tier: Tier = "basic"
    db_url: SecretStr = SecretStr(DEFAULT_DB_URL)
    iem_url: HttpUrl = IEM_URL
    awc_url: HttpUrl = AWC_URL
    nws_url: HttpUrl = NWS_URL
    visual_crossing_url: HttpUrl = VISUAL_CROSSING_URL
    visual_crossing_key: SecretStr | None = None
