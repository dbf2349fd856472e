"""Collector configuration: a YAML file, then environment, then flags.

```yaml
kalshi: {environment: production, tier: basic}       # or base_url / ws_url
events: [KXHIGHNY-26JUN02]
series: [KXHIGHCHI]
collection:
  interval_seconds: 60
  interval_overrides: [{from: "09:00", to: "18:00", interval_seconds: 15}]
  spike_threshold_cents: 3
  spike_cooldown_seconds: 2
storage: {db: "postgresql://...", flush_interval_seconds: 1, spool_dir: /var/lib/ktape/spool}
```

Every problem raises `ConfigError(key, reason)` naming the dotted key (the CLI exits 2).
Credentials come only from `KALSHI_API_KEY_ID` / `KALSHI_PRIVATE_KEY_PATH` (or the
`kalshi:` section), never from flags, and are never printed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from kalshi_tape.config import (
    Settings,
    named_environment,
    settings_from_model,
)
from kalshi_tape.errors import ConfigError
from kalshi_tape.settings.core import ENV_NAMES as ENV_VARS
from kalshi_tape.settings.core import CoreModel
from kalshi_tape.settings.environment import check_environment
from kalshi_tape.settings.sources import (
    from_env,
    from_file,
    from_flags,
    resolve,
)

_TICKER = re.compile(r"^[A-Z0-9][A-Z0-9._-]*$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

SECTIONS = {
    "kalshi": {"environment", "base_url", "ws_url", "tier", "api_key_id", "private_key_path"},
    "collection": {
        "interval_seconds",
        "interval_overrides",
        "spike_threshold_cents",
        "spike_cooldown_seconds",
        "trade_sweep_seconds",
        "discovery_seconds",
        "poll_interval_seconds",
    },
    "storage": {"db", "flush_interval_seconds", "flush_max_rows", "spool_dir", "max_spool_bytes"},
    "metrics": {"port", "host"},
    "fleet": {"enabled", "lease_seconds"},
}
TOP_LEVEL = {"events", "series", "poll", "shard", *SECTIONS}


@dataclass(frozen=True, slots=True)
class IntervalOverride:
    """`interval_seconds` between `start` (inclusive) and `end` (exclusive), local time of
    each market's city; a window may wrap midnight (22:00-06:00)."""

    start: time
    end: time
    interval_seconds: float

    def covers(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True, slots=True)
class Shard:
    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = re.fullmatch(r"(\d+)/(\d+)", text.strip())
        if not match:
            raise ConfigError("shard", f"expected I/N such as 0/2, got {text!r}")
        index, count = int(match[1]), int(match[2])
        if count < 1 or not 0 <= index < count:
            raise ConfigError("shard", f"need 0 <= I < N, got {text!r}")
        return cls(index, count)


@dataclass(frozen=True, slots=True)
class CollectorConfig:
    settings: Settings = field(default_factory=Settings)
    events: tuple[str, ...] = ()
    series: tuple[str, ...] = ()
    interval_seconds: float = 60.0
    interval_overrides: tuple[IntervalOverride, ...] = ()
    spike_threshold_cents: Decimal = Decimal(3)
    spike_cooldown_seconds: float = 2.0
    trade_sweep_seconds: float = 60.0
    discovery_seconds: float = 300.0
    poll_interval_seconds: float = 10.0
    flush_interval_seconds: float = 0.5
    flush_max_rows: int = 20_000
    spool_dir: Path = Path("ktape-spool")
    max_spool_bytes: int = 10 * 2**30
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    poll: bool = False
    shard: Shard = field(default_factory=Shard)
    fleet: bool = False  # claim events through leases in PostgreSQL (collector/fleet)
    lease_seconds: float = 15.0

    @property
    def db(self) -> str:
        return self.settings.db_url

    @property
    def spike_threshold(self) -> Decimal:
        """The spike threshold in dollars (0 disables the rule)."""
        return self.spike_threshold_cents / 100


def load_collector_config(
    path: str | Path | None = None,
    *,
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> CollectorConfig:
    """defaults < YAML file < environment (KALSHI_*, KTAPE_DB) < flags (None ignored)."""
    data = _read(Path(path)) if path else {}
    flags = {k: v for k, v in (flags or {}).items() if v not in (None, ())}
    kalshi = _section(data, "kalshi")
    storage = _section(data, "storage")
    if "db" in storage:
        kalshi["db_url"] = _text("storage.db", storage["db"])
    overrides: dict[str, Any] = {k: flags[k] for k in ("base_url", "ws_url", "tier") if k in flags}
    if "db" in flags:
        overrides["db_url"] = flags["db"]
    settings = _settings(kalshi, overrides, env, path)
    config = CollectorConfig(settings=settings, **_collection(_section(data, "collection")))
    config = replace(config, **_storage(storage))
    config = replace(
        config,
        events=_tickers("events", flags.get("events", data.get("events", ()))),
        series=_tickers("series", flags.get("series", data.get("series", ()))),
        poll=_bool("poll", flags.get("poll", data.get("poll", False))),
    )
    metrics = _section(data, "metrics")
    if "host" in metrics:
        config = replace(config, metrics_host=_text("metrics.host", metrics["host"]))
    port = flags.get("metrics_port", metrics.get("port"))
    if port is not None:
        config = replace(config, metrics_port=_int("metrics.port", port, 0, 65535))
    shard = flags.get("shard", data.get("shard"))
    if shard is not None:
        config = replace(config, shard=Shard.parse(str(shard)))
    if "spool_dir" in flags:
        config = replace(config, spool_dir=Path(flags["spool_dir"]))
    config = _fleet(config, _section(data, "fleet"), flags)
    if not config.events and not config.series:
        raise ConfigError("events", "nothing to collect: give events and/or series")
    return config


def _fleet(
    config: CollectorConfig, section: dict[str, Any], flags: Mapping[str, Any]
) -> CollectorConfig:
    enabled = _bool("fleet.enabled", flags.get("fleet", section.get("enabled", False)))
    lease = flags.get("lease_seconds", section.get("lease_seconds", config.lease_seconds))
    config = replace(config, fleet=enabled, lease_seconds=_number("fleet.lease_seconds", lease, 1))
    if not enabled:
        return config
    if config.shard.count > 1:
        raise ConfigError("fleet.enabled", "a fleet shares work by leases; drop --shard")
    if config.db.split(":", 1)[0].lower() not in ("postgresql", "postgres"):
        raise ConfigError("fleet.enabled", "a fleet needs a postgresql:// warehouse (--db)")
    return config


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError("config", f"{path} does not exist") from None
    except yaml.YAMLError as exc:
        raise ConfigError("config", f"{path} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError("config", f"{path} must hold a mapping at the top level")
    unknown = sorted(set(data) - TOP_LEVEL)
    if unknown:
        raise ConfigError(unknown[0], f"unknown key (known: {', '.join(sorted(TOP_LEVEL))})")
    return data


def _section(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name) or {}
    if not isinstance(value, dict):
        raise ConfigError(name, "must be a mapping")
    unknown = sorted(set(value) - SECTIONS[name])
    if unknown:
        known = ", ".join(sorted(SECTIONS[name]))
        raise ConfigError(f"{name}.{unknown[0]}", f"unknown key (known: {known})")
    return dict(value)


def _settings(
    kalshi: dict[str, Any], flags: dict[str, Any], env: Mapping[str, str] | None, path: object
) -> Settings:
    """The one settings model: `kalshi:` section < environment < flags."""
    env = os.environ if env is None else env
    check_environment(env)
    file_layer = from_file(kalshi, path, "kalshi")
    if "db_url" in kalshi:
        file_layer.where["db_url"] = f"file {path}, key storage.db"
    layers = [file_layer, from_env(env, ENV_VARS, empty_unset=True), from_flags(flags)]
    layers = [named_environment(layer) for layer in layers]
    try:
        return settings_from_model(resolve(CoreModel, layers))
    except ConfigError as exc:
        key = exc.key if exc.key == "db_url" else f"kalshi.{exc.key}"
        raise ConfigError(key, exc.reason) from None


def _collection(section: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in (
        "interval_seconds",
        "trade_sweep_seconds",
        "discovery_seconds",
        "poll_interval_seconds",
    ):
        if key in section:
            out[key] = _number(f"collection.{key}", section[key], minimum=0.001)
    if "spike_cooldown_seconds" in section:
        out["spike_cooldown_seconds"] = _number(
            "collection.spike_cooldown_seconds", section["spike_cooldown_seconds"], minimum=0
        )
    if "spike_threshold_cents" in section:
        value = _number("collection.spike_threshold_cents", section["spike_threshold_cents"], 0)
        out["spike_threshold_cents"] = Decimal(str(value))
    if "interval_overrides" in section:
        out["interval_overrides"] = _overrides(section["interval_overrides"])
    return out


def _storage(section: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "flush_interval_seconds" in section:
        out["flush_interval_seconds"] = _number(
            "storage.flush_interval_seconds", section["flush_interval_seconds"], minimum=0.01
        )
    if "flush_max_rows" in section:
        out["flush_max_rows"] = _int("storage.flush_max_rows", section["flush_max_rows"], 1)
    if "max_spool_bytes" in section:
        out["max_spool_bytes"] = _int("storage.max_spool_bytes", section["max_spool_bytes"], 1)
    if "spool_dir" in section:
        out["spool_dir"] = Path(_text("storage.spool_dir", section["spool_dir"])).expanduser()
    return out


def _overrides(raw: Any) -> tuple[IntervalOverride, ...]:
    key = "collection.interval_overrides"
    if not isinstance(raw, list):
        raise ConfigError(key, "must be a list of {from, to, interval_seconds}")
    out = []
    for i, item in enumerate(raw):
        where = f"{key}[{i}]"
        if not isinstance(item, dict) or set(item) != {"from", "to", "interval_seconds"}:
            raise ConfigError(where, "needs exactly from, to and interval_seconds")
        start, end = _hhmm(f"{where}.from", item["from"]), _hhmm(f"{where}.to", item["to"])
        seconds = _number(f"{where}.interval_seconds", item["interval_seconds"], minimum=0.001)
        out.append(IntervalOverride(start, end, seconds))
    return tuple(out)


def _hhmm(key: str, raw: Any) -> time:
    match = _HHMM.match(str(raw))
    if not match:
        raise ConfigError(key, f"expected HH:MM (24 h), got {raw!r}")
    return time(int(match[1]), int(match[2]))


def _tickers(key: str, raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple):
        raise ConfigError(key, "must be a list of tickers")
    out = []
    for item in raw:
        text = str(item).strip().upper()
        if not _TICKER.match(text):
            raise ConfigError(key, f"{item!r} is not a ticker")
        out.append(text)
    return tuple(dict.fromkeys(out))


def _number(key: str, raw: Any, minimum: float) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ConfigError(key, f"expected a number, got {raw!r}")
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(key, f"expected a number, got {raw!r}") from None
    if value != value or value < minimum:
        raise ConfigError(key, f"must be >= {minimum:g}, got {raw!r}")
    return value


def _int(key: str, raw: Any, minimum: int, maximum: int | None = None) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ConfigError(key, f"expected an integer, got {raw!r}")
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(key, f"expected an integer, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        raise ConfigError(key, f"out of range, got {raw!r}")
    return value


def _bool(key: str, raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise ConfigError(key, f"expected true or false, got {raw!r}")
    return raw


def _text(key: str, raw: Any) -> str:
    if not isinstance(raw, str) or not raw:
        raise ConfigError(key, f"expected a non-empty string, got {raw!r}")
    return raw
