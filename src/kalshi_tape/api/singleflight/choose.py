"""Which shared flight a server uses."""

from __future__ import annotations

from kalshi_tape.api.singleflight.base import LocalFlight, SharedFlight
from kalshi_tape.core.clock import Clock
from kalshi_tape.settings.api import ApiSettings


def shared_flight(settings: ApiSettings, clock: Clock) -> SharedFlight:
    """Redis when `redis_url` is set, else advisory locks on a PostgreSQL warehouse,
    else in-process (the embedded DuckDB warehouse serves from one process)."""
    if settings.redis_dsn:
        from kalshi_tape.api.singleflight.redis import RedisFlight

        lock_ttl = settings.fetch_deadline_s + 5.0  # outlives the longest honest fetch
        return RedisFlight(settings.redis_dsn, settings.flight_prefix, lock_ttl, clock)
    if settings.db_url.startswith(("postgres://", "postgresql://")):
        from kalshi_tape.api.singleflight.postgres import PostgresFlight

        return PostgresFlight(_dsn(settings.db_url))
    return LocalFlight(clock)


def _dsn(url: str) -> str:
    """The libpq URL without the project's own query options."""
    return url.split("?", 1)[0]
