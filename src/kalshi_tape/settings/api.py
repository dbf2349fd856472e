"""`ktape serve` settings: the `api:` mapping of the file, `KTAPE_API_*`, serve's flags."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import BeforeValidator, Field, InstanceOf, SecretStr

from kalshi_tape.settings.base import Integer, Number, Section, comma_list
from kalshi_tape.settings.shared import Settings

ENV_PREFIX = "KTAPE_API_"
REDIS_ENV = "KTAPE_REDIS_URL"


def _redis_url(value: object) -> object:
    """Strict: redis://, rediss:// or unix:// with a host (or path) and a numeric port."""
    from urllib.parse import urlsplit

    if value is None or isinstance(value, SecretStr):
        return value
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


Positive = Annotated[Number, Field(gt=0)]
Share = Annotated[Number, Field(gt=0, le=1)]


class ApiModel(Section):
    """Options of the candle API. Times are in seconds."""

    section = "api"

    host: Annotated[str, Field(min_length=1)] = "127.0.0.1"  # interface to listen on
    port: Annotated[Integer, Field(ge=1, le=65535)] = 8000  # TCP port
    workers: Annotated[Integer, Field(ge=1)] = 1  # processes; > 1 needs a shareable warehouse
    # trust X-Forwarded-For only from these proxies (comma-separated); None: never
    forwarded_allow_ips: Annotated[str, Field(min_length=1)] | None = None
    fetch_through: bool = True  # ask Kalshi for candles we do not hold
    require_keys: bool = False  # refuse requests without a valid API key
    key_rate_per_s: Positive = 20.0  # per API key: sustained requests per second
    key_burst: Annotated[Integer, Field(ge=1)] = 40  # per API key: bucket capacity
    cors_origins: Annotated[tuple[str, ...], BeforeValidator(comma_list)] = ()
    upstream_timeout_s: Positive = 10.0  # a waiting request gives up after this
    fetch_deadline_s: Positive = 60.0  # one upstream fetch (all its requests) at most
    negative_ttl_s: Annotated[Number, Field(ge=0)] = 300.0  # an unknown ticker stays unknown
    live_ttl_s: Annotated[Number, Field(ge=0)] = 30.0  # refetch open markets after this
    breaker_failures: Annotated[Integer, Field(ge=1)] = 3  # failures that open the breaker
    breaker_cooldown_s: Positive = 30.0  # how long it stays open before one trial
    response_cache_ttl_s: Annotated[Number, Field(ge=0)] = 5.0  # 0 = off
    response_cache_mb: Annotated[Integer, Field(ge=0)] = 64  # memory for rendered responses
    upstream_share: Share = 0.5  # of the Kalshi tier's read rate, for fetch-through
    client_upstream_rate_per_s: Positive = 1.0  # per key, else per address: flights/s
    client_upstream_burst: Annotated[Integer, Field(ge=1)] = 20  # flights at once
    known_reserve: Annotated[Number, Field(ge=0, lt=1)] = 0.5  # kept for known-good look-ups
    address_rate_per_s: Annotated[Number, Field(ge=0)] = 0.0  # requests/s per address, 0 = off
    address_burst: Annotated[Integer, Field(ge=1)] = 40
    # fetch-through shared across workers (api/singleflight/): Redis when set, else
    # PostgreSQL advisory locks on a PostgreSQL warehouse; may hold a password
    redis_url: Annotated[SecretStr | None, BeforeValidator(_redis_url)] = None
    flight_prefix: Annotated[str, Field(min_length=1)] = "ktape:flight:"  # Redis key prefix

    @classmethod
    def env_names(cls) -> dict[str, str]:
        names = super().env_names()
        names["redis_url"] = REDIS_ENV
        return names


class ApiSettings(ApiModel):
    """How `ktape serve` runs: the `api:` settings on top of the shared `Settings`."""

    kalshi: InstanceOf[Settings] = Field(default_factory=Settings)

    @classmethod
    def env_names(cls) -> dict[str, str]:
        return ApiModel.env_names()

    @property
    def db_url(self) -> str:
        return self.kalshi.db_url

    @property
    def redis_dsn(self) -> str | None:
        return None if self.redis_url is None else self.redis_url.get_secret_value()


def settings_to_json(settings: ApiSettings) -> str:
    """For worker processes: every field (the key file's path, never its content)."""
    api = settings.model_dump(mode="json", exclude={"kalshi", "redis_url"})
    api["redis_url"] = settings.redis_dsn
    kalshi = {k: getattr(settings.kalshi, k) for k in settings.kalshi.__dataclass_fields__}
    path = kalshi["private_key_path"]
    kalshi["private_key_path"] = str(path) if path else None
    return json.dumps({"api": api, "kalshi": kalshi})


def settings_from_json(text: str) -> ApiSettings:
    from pathlib import Path

    data = json.loads(text)
    kalshi = dict(data["kalshi"])
    if kalshi.get("private_key_path"):
        kalshi["private_key_path"] = Path(kalshi["private_key_path"])
    return ApiSettings(kalshi=Settings(**kalshi), **data["api"])
