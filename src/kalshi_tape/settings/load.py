"""Loading: the YAML file and the environment are read once and checked whole (every
section, whatever the command reads), then a command builds what it needs with its flags
on top. Precedence, lowest to highest: defaults < file < environment < flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.settings.api import ApiModel
from kalshi_tape.settings.backfill import BackfillModel
from kalshi_tape.settings.base import Section
from kalshi_tape.settings.collector import CollectorModel
from kalshi_tape.settings.core import ENV_NAMES, CoreModel
from kalshi_tape.settings.files import CONFIG_FILE_ENV, read_yaml, section
from kalshi_tape.settings.paper import PaperModel
from kalshi_tape.settings.shared import Settings, named_environment, settings_from_model
from kalshi_tape.settings.sources import (
    from_env,
    from_file,
    from_flags,
    refuse_unknown_env,
    resolve,
)
from kalshi_tape.settings.weather import WeatherModel

SectionT = TypeVar("SectionT", bound=Section)
MODELS: tuple[type[Section], ...] = (
    ApiModel,
    CollectorModel,
    PaperModel,
    BackfillModel,
    WeatherModel,
)
SECTIONS = {model.section: model for model in MODELS}
# top-level keys of the collector's former file layout -> where they went
MOVED = {
    "kalshi": "its keys now sit at the top level",
    "collection": "its keys now sit in `collector:`",
    "storage": "its keys now sit in `collector:`; `db` is the top-level `db_url`",
    "metrics": "now `collector.metrics_port` and `collector.metrics_host`",
    "fleet": "now `collector.fleet` and `collector.lease_seconds`",
    **{key: f"now `collector.{key}`" for key in ("events", "series", "poll", "shard")},
}


def known_env_names() -> set[str]:
    """Every `KTAPE_*` (and `KALSHI_*`) variable a setting reads."""
    names = {CONFIG_FILE_ENV, *ENV_NAMES.values()}
    for model in MODELS:
        names.update(model.env_names().values())
    return names


@dataclass(frozen=True, slots=True)
class Sources:
    """The file's content and the environment, with the layers each model reads."""

    env: Mapping[str, str]
    path: str | Path | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def shared(self, flags: Mapping[str, Any] | None = None) -> Settings:
        """The top-level settings (exchange, credentials, warehouse, weather URLs)."""
        for key in sorted(set(self.data) & set(MOVED)):
            raise ConfigError(key, f"moved (file {self.path}): {MOVED[key]}")
        top = {k: v for k, v in self.data.items() if k not in SECTIONS}
        layers = [
            from_file(top, self.path),
            from_env(self.env, ENV_NAMES, empty_unset=True),
            from_flags(flags),
        ]
        model = resolve(CoreModel, [named_environment(layer) for layer in layers])
        return settings_from_model(model)

    def section(self, model: type[SectionT], flags: Mapping[str, Any] | None = None) -> SectionT:
        """One section's model; its environment variables may not be empty."""
        name = model.section
        layers = [
            from_file(section(self.data, name, self.path), self.path, name),
            from_env(self.env, model.env_names(), empty_unset=False),
            from_flags(flags),
        ]
        return resolve(model, layers, f"{name}.")


def read_sources(
    env: Mapping[str, str] | None = None, config_file: str | Path | None = None
) -> Sources:
    """The file (`config_file`, else `$KTAPE_CONFIG`) and environment, checked whole: a
    typo anywhere stops every command, before anything is opened or created."""
    env = os.environ if env is None else env
    path = config_file or env.get(CONFIG_FILE_ENV)
    sources = Sources(env, path, read_yaml(Path(path)) if path else {})
    refuse_unknown_env(env, known_env_names(), "KTAPE_")
    sources.shared()
    for model in MODELS:
        sources.section(model)
    return sources


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_file: str | Path | None = None,
) -> Settings:
    """The shared `Settings` with `flags` (None values ignored) on top."""
    return read_sources(env, config_file).shared(flags)


def load_section(
    model: type[SectionT],
    flags: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_file: str | Path | None = None,
) -> SectionT:
    """One section (`PaperModel`, ...) with `flags` on top."""
    return read_sources(env, config_file).section(model, flags)
