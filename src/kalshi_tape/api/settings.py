"""`ApiSettings`: how `ktape serve` runs, on top of the shared Kalshi `Settings`.

Validated by `kalshi_tape.settings.api.ApiModel` (the one settings model). Read from
the `api:` mapping of the YAML file (`--config` / `$KTAPE_CONFIG`), then from
`KTAPE_API_*` environment variables, then from flags. The Kalshi side (base URL, tier,
credentials, database URL) stays in `kalshi_tape.config.Settings`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from kalshi_tape.config import Settings, load_settings
from kalshi_tape.settings.api import ENV_PREFIX, ApiModel
from kalshi_tape.settings.files import CONFIG_FILE_ENV, read_yaml, section
from kalshi_tape.settings.sources import Layer, from_env, from_file, from_flags, resolve

__all__ = ["ENV_PREFIX", "ApiSettings", "load_api_settings"]


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
        """The same rules as the settings model, for settings built in code."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "kalshi"}
        resolve(ApiModel, [Layer.of(values, "code")], "api.")

    @property
    def db_url(self) -> str:
        return self.kalshi.db_url


def load_api_settings(
    overrides: Mapping[str, Any] | None = None,
    kalshi_overrides: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_file: str | Path | None = None,
) -> ApiSettings:
    """Defaults < YAML `api:` mapping < `KTAPE_API_*` environment < `overrides` (flags)."""
    env = os.environ if env is None else env
    path = config_file or env.get(CONFIG_FILE_ENV)
    kalshi = load_settings(kalshi_overrides, env=env, config_file=path)
    file_api = section(read_yaml(Path(path)), "api", path) if path else {}
    layers = [
        from_file(file_api, path, "api"),
        from_env(env, ApiModel.env_names(), empty_unset=False),
        from_flags(overrides),
    ]
    values = resolve(ApiModel, layers, "api.").model_dump()
    redis = values.pop("redis_url")
    redis_url = None if redis is None else redis.get_secret_value()
    return ApiSettings(kalshi=kalshi, redis_url=redis_url, **values)


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
