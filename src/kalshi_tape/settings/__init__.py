"""One settings model for the whole project (pydantic-settings).

Sources, lowest to highest precedence: defaults < YAML file (`--config` / `$KTAPE_CONFIG`)
< environment (`KALSHI_*`, `KTAPE_*`) < command-line flags. The file's top level holds the
shared settings (`CoreModel`); its `api:`, `collector:`, `paper:`, `backfill:` and
`weather:` mappings one section each. Every value is validated strictly; an error names
the setting and where its value came from (file and key, environment variable, or flag).
Secrets are `SecretStr`. See docs/configuration.md.
"""

from kalshi_tape.settings.api import ApiModel, ApiSettings
from kalshi_tape.settings.backfill import BackfillModel
from kalshi_tape.settings.collector import CollectorConfig, CollectorModel
from kalshi_tape.settings.core import CoreModel
from kalshi_tape.settings.entry import load_api_settings, load_collector_config
from kalshi_tape.settings.load import MODELS, load_section, load_settings, read_sources
from kalshi_tape.settings.paper import PaperModel
from kalshi_tape.settings.redact import redact_url
from kalshi_tape.settings.shared import Settings
from kalshi_tape.settings.sources import Layer, refuse_unknown_env, resolve
from kalshi_tape.settings.weather import WeatherModel

__all__ = [
    "MODELS",
    "ApiModel",
    "ApiSettings",
    "BackfillModel",
    "CollectorConfig",
    "CollectorModel",
    "CoreModel",
    "Layer",
    "PaperModel",
    "Settings",
    "WeatherModel",
    "load_api_settings",
    "load_collector_config",
    "load_section",
    "load_settings",
    "read_sources",
    "redact_url",
    "refuse_unknown_env",
    "resolve",
]
