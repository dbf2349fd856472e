"""`ApiSettings`: how `ktape serve` runs, on top of the shared Kalshi `Settings`.

Read from the `api:` mapping of the YAML file (`--config` / `$KTAPE_CONFIG`), then from
`KTAPE_API_*` environment variables, then from flags. The Kalshi side (base URL, tier,
credentials, database URL) stays in `kalshi_tape.config.Settings`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from kalshi_tape.config import Settings, load_settings
from kalshi_tape.errors import ConfigError

ENV_PREFIX = "KTAPE_API_"


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """Options of the candle API. Times are in seconds."""

    kalshi: Settings = field(default_factory=Settings)
    fetch_through: bool = True  # ask Kalshi for candles we do not hold
    require_keys: bool = False  # refuse requests without a valid API key
    key_rate_per_s: float = 20.0  # per API key: sustained requests per second
    key_burst: int = 40  # per API key: bucket capacity
    cors_origins: tuple[str, ...] = ()  # allowed browser origins ("*" for any)
    upstream_timeout_s: float = 10.0  # a waiting request gives up after this
    fetch_deadline_s: float = 60.0  # one upstream fetch (all its requests) at most
    negative_ttl_s: float = 300.0  # how long an unknown ticker stays unknown
    live_ttl_s: float = 30.0  # refetch Kalshi candles of open markets after this
    breaker_failures: int = 3  # consecutive upstream failures that open the breaker
    breaker_cooldown_s: float = 30.0  # how long it stays open before one trial
    response_cache_ttl_s: float = 5.0  # rendered responses are reused this long (0 = off)
    response_cache_mb: int = 64  # memory for rendered responses
    # the upstream budget (api/budget.py): fetch-through flights, globally and per client
    upstream_share: float = 0.5  # of the Kalshi tier's read rate, for fetch-through
    client_upstream_rate_per_s: float = 1.0  # per key, else per address: flights/s
    client_upstream_burst: int = 20  # per key, else per address: flights at once
    known_reserve: float = 0.5  # share of the global budget kept for known-good look-ups
    # per-address request limit when keys are off (0 = off): requests/s and burst
    address_rate_per_s: float = 0.0
    address_burst: int = 40
    # fetch-through shared across workers (api/singleflight/): Redis when set, else
    # PostgreSQL advisory locks on a PostgreSQL warehouse; from KTAPE_REDIS_URL
    redis_url: str | None = field(default=None, repr=False)  # may hold a password
    flight_prefix: str = "ktape:flight:"  # Redis key prefix of locks and results

    def __post_init__(self) -> None:
        if self.key_rate_per_s <= 0 or self.key_burst < 1:
            raise ConfigError("api.key_rate_per_s", "rate and burst must be positive")
        for name in ("upstream_timeout_s", "fetch_deadline_s", "breaker_cooldown_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"api.{name}", "must be positive")
        if not 0 < self.upstream_share <= 1:
            raise ConfigError("api.upstream_share", "must be in (0, 1]")
        if not 0 <= self.known_reserve < 1:
            raise ConfigError("api.known_reserve", "must be in [0, 1)")
        if self.client_upstream_rate_per_s <= 0 or self.client_upstream_burst < 1:
            raise ConfigError("api.client_upstream_rate_per_s", "rate and burst must be positive")
        if self.address_rate_per_s < 0 or self.address_burst < 1:
            raise ConfigError("api.address_rate_per_s", "must be >= 0 (0: off), burst >= 1")
        if self.breaker_failures < 1:
            raise ConfigError("api.breaker_failures", "must be at least 1")

    @property
    def db_url(self) -> str:
        return self.kalshi.db_url


_CONVERTERS: dict[str, Any] = {
    "fetch_through": lambda v: _bool(v),
    "require_keys": lambda v: _bool(v),
    "cors_origins": lambda v: tuple(
        s.strip() for s in (v.split(",") if isinstance(v, str) else v) if s.strip()
    ),
    "key_burst": int,
    "breaker_failures": int,
    "response_cache_mb": int,
    "client_upstream_burst": int,
    "address_burst": int,
    "redis_url": lambda v: _redis_url(v),
    "flight_prefix": lambda v: _text(v),
}
REDIS_ENV = "KTAPE_REDIS_URL"


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _bool(value: object) -> bool:
    """Strict: a typo such as `ture` is an error, never a silent false."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(f"{value!r} is not a boolean (true/false)")


def _redis_url(value: object) -> str | None:
    """Strict: redis://, rediss:// or unix:// with a host (or path) and a numeric port."""
    from urllib.parse import urlsplit

    text = str(value).strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ValueError("not a redis://, rediss:// or unix:// URL")
    if parts.scheme == "unix" and not parts.path:
        raise ValueError("a unix:// URL needs a socket path")
    if parts.scheme != "unix" and not parts.hostname:
        raise ValueError("the URL names no host")
    _ = parts.port  # a port that is not a number raises ValueError
    return text


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("must be a non-empty string")
    return value


def load_api_settings(
    overrides: Mapping[str, Any] | None = None,
    kalshi_overrides: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_file: str | Path | None = None,
) -> ApiSettings:
    """Defaults < YAML `api:` mapping < `KTAPE_API_*` environment < `overrides` (flags)."""
    env = os.environ if env is None else env
    path = config_file or env.get("KTAPE_CONFIG")
    yaml_api = _yaml_api(Path(path)) if path else {}
    kalshi = load_settings(kalshi_overrides, env=env, config_file=path)
    names = {f.name for f in fields(ApiSettings)} - {"kalshi"}
    _refuse_unknown_env(env, names)
    layers = [
        (f"file {path}", yaml_api),
        (
            "environment",
            _env_layer(env, names),
        ),
        ("flag", {k: v for k, v in (overrides or {}).items() if v is not None}),
    ]
    values: dict[str, tuple[str, Any]] = {}
    for origin, layer in layers:
        values.update({k: (origin, v) for k, v in layer.items()})
    unknown = sorted(set(values) - names)
    if unknown:
        origin = values[unknown[0]][0]
        raise ConfigError(f"api.{unknown[0]}", f"unknown API setting (from {origin})")
    converted = {}
    for name, (origin, value) in values.items():
        convert = _CONVERTERS.get(name, _number)
        try:
            converted[name] = convert(value)
        except (TypeError, ValueError):
            where = _env_name(name, env) if origin == "environment" else origin
            shown = _shown(name, value)
            raise ConfigError(f"api.{name}", f"bad value {shown} (from {where})") from None
    return replace(ApiSettings(kalshi=kalshi), **converted)


def _env_layer(env: Mapping[str, str], names: set[str]) -> dict[str, str]:
    layer = {n: env[ENV_PREFIX + n.upper()] for n in names if ENV_PREFIX + n.upper() in env}
    if REDIS_ENV in env:
        layer["redis_url"] = env[REDIS_ENV]
    return layer


def _env_name(name: str, env: Mapping[str, str]) -> str:
    if name == "redis_url" and REDIS_ENV in env:
        return REDIS_ENV
    return f"{ENV_PREFIX}{name.upper()}"


def _shown(name: str, value: object) -> str:
    """A bad value fit to print: a URL's password is never shown."""
    if name == "redis_url":
        from kalshi_tape.config import redact_url

        return repr(redact_url(str(value)))
    return repr(value)


def _number(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return float(value)  # type: ignore[arg-type]


def _refuse_unknown_env(env: Mapping[str, str], names: set[str]) -> None:
    """A misspelled `KTAPE_API_*` variable stops the start instead of being ignored."""
    import difflib

    known = {ENV_PREFIX + n.upper() for n in names}
    for var in sorted(v for v in env if v.startswith(ENV_PREFIX) and v not in known):
        near = difflib.get_close_matches(var, sorted(known), n=1)
        hint = f"; did you mean {near[0]}?" if near else ""
        raise ConfigError(var, f"unknown environment variable{hint}")


def _yaml_api(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError("config_file", f"cannot read {path}: {exc}") from None
    api = data.get("api", {}) if isinstance(data, dict) else {}
    if not isinstance(api, dict):
        raise ConfigError("api", f"{path}: `api` must be a mapping")
    return dict(api)


def settings_to_json(settings: ApiSettings) -> str:
    """For worker processes: every field (the key file's path, never its content)."""
    import json
    from dataclasses import asdict

    data = asdict(settings)
    kalshi = data.pop("kalshi")
    kalshi["private_key_path"] = (
        str(kalshi["private_key_path"]) if kalshi["private_key_path"] else None
    )
    data["cors_origins"] = list(data["cors_origins"])
    return json.dumps({"api": data, "kalshi": kalshi})


def settings_from_json(text: str) -> ApiSettings:
    import json

    data = json.loads(text)
    kalshi = dict(data["kalshi"])
    if kalshi.get("private_key_path"):
        kalshi["private_key_path"] = Path(kalshi["private_key_path"])
    api = dict(data["api"])
    api["cors_origins"] = tuple(api.get("cors_origins", ()))
    return ApiSettings(kalshi=Settings(**kalshi), **api)
