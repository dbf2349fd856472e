"""What each entry point loads: the shared settings and its own section, flags on top."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.settings.api import ApiModel, ApiSettings
from kalshi_tape.settings.base import Section
from kalshi_tape.settings.collector import CollectorConfig, CollectorModel
from kalshi_tape.settings.load import read_sources
from kalshi_tape.settings.shared import Settings

SectionT = TypeVar("SectionT", bound=Section)

# collect's flags that set a shared setting
COLLECT_SHARED_FLAGS = {"db": "db_url", "base_url": "base_url", "ws_url": "ws_url"}


def load_command(
    model: type[SectionT],
    flags: Mapping[str, Any],
    shared: Iterable[str],
    *,
    env: Mapping[str, str] | None = None,
    config_file: str | Path | None = None,
) -> tuple[Settings, SectionT]:
    """A command's shared settings and section: the flags named in `shared` set shared
    settings, the others the section (None values ignored)."""
    section = dict(flags)
    top = {name: section.pop(name) for name in shared if name in section}
    sources = read_sources(env, config_file)
    return sources.shared(top), sources.section(model, section)


def load_api_settings(
    overrides: Mapping[str, Any] | None = None,
    kalshi_overrides: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_file: str | Path | None = None,
) -> ApiSettings:
    """`ktape serve`: the `api:` section with `overrides`, the shared settings with
    `kalshi_overrides` (flags; None values ignored)."""
    sources = read_sources(env, config_file)
    api = sources.section(ApiModel, overrides)
    return ApiSettings(kalshi=sources.shared(kalshi_overrides), **dict(api))


def load_collector_config(
    path: str | Path | None = None,
    *,
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> CollectorConfig:
    """`ktape collect`: the `collector:` section and the shared settings, flags on top."""
    section = dict(flags or {})
    shared = {
        COLLECT_SHARED_FLAGS[k]: section.pop(k) for k in set(section) & COLLECT_SHARED_FLAGS.keys()
    }
    sources = read_sources(env, path)
    model = sources.section(CollectorModel, section)
    config = CollectorConfig(settings=sources.shared(shared), **dict(model))
    _check_collector(config)
    return config


def _check_collector(config: CollectorConfig) -> None:
    if not config.events and not config.series:
        raise ConfigError("collector.events", "nothing to collect: give events and/or series")
    if not config.fleet:
        return
    if config.shard.count > 1:
        raise ConfigError("collector.fleet", "a fleet shares work by leases; drop --shard")
    if config.db.split(":", 1)[0].lower() not in ("postgresql", "postgres"):
        raise ConfigError("collector.fleet", "a fleet needs a postgresql:// warehouse (--db)")
