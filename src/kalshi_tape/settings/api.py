"""`ktape serve` settings: the `api:` mapping of the file, `KTAPE_API_*`, serve's flags."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, SecretStr

from kalshi_tape.settings.base import Integer, Number, StrictSettings

ENV_PREFIX = "KTAPE_API_"
REDIS_ENV = "KTAPE_REDIS_URL"


def _origins(value: object) -> object:
    """`a,b` in the environment or a flag; a list in the file."""
    items = value.split(",") if isinstance(value, str) else value
    if isinstance(items, list | tuple):
        return tuple(s.strip() for s in items if isinstance(s, str) and s.strip())
    return value


def _redis_url(value: object) -> object:
    """Strict: redis://, rediss:// or unix:// with a host (or path) and a numeric port."""
    from urllib.parse import urlsplit

    if value is None:
        return None
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


class ApiModel(StrictSettings):
    """Options of the candle API. Times are in seconds."""

    fetch_through: bool = True  # ask Kalshi for candles we do not hold
    require_keys: bool = False  # refuse requests without a valid API key
    key_rate_per_s: Positive = 20.0  # per API key: sustained requests per second
    key_burst: Annotated[Integer, Field(ge=1)] = 40  # per API key: bucket capacity
    cors_origins: Annotated[tuple[str, ...], BeforeValidator(_origins)] = ()
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
        names = {name: ENV_PREFIX + name.upper() for name in cls.model_fields}
        names["redis_url"] = REDIS_ENV
        return names
