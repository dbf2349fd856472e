"""The warehouse: one schema on DuckDB (embedded default) or PostgreSQL/TimescaleDB.

    with open_store("duckdb:///kalshi-tape.duckdb") as store:
        store.commit_chunk(markets=markets, candles=records, progress=checkpoint)
        table = store.candles(event_ticker="KXHIGHNY-26AUG08", period_minutes=1)

URLs: `duckdb:///relative/file.duckdb`, `duckdb:////absolute/file.duckdb`,
`duckdb:///:memory:` (append `?read_only=true` to open a file read-only) and
`postgresql://user@host:5432/db` (psycopg conninfo URL).
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlsplit

from kalshi_tape.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.config import redact_url
from kalshi_tape.errors import ConfigError
from kalshi_tape.storage.base import BookInputs, Store, StoreInfo
from kalshi_tape.storage.records import (
    BackfillProgress,
    CandleRecord,
    DailyClimateRow,
    MarketSnapshotRow,
    SequenceGapRow,
    WeatherForecastRow,
    WeatherObservationRow,
)

DEFAULT_URL = "duckdb:///kalshi-tape.duckdb"
ENV_VAR = "KTAPE_DB"

__all__ = [
    "DEFAULT_URL",
    "ENV_VAR",
    "BackfillProgress",
    "BookInputs",
    "CandleRecord",
    "DailyClimateRow",
    "MarketSnapshotRow",
    "SequenceGapRow",
    "Store",
    "StoreInfo",
    "WeatherForecastRow",
    "WeatherObservationRow",
    "default_url",
    "open_store",
]


def default_url() -> str:
    """`$KTAPE_DB`, else a DuckDB file in the working directory."""
    return os.environ.get(ENV_VAR) or DEFAULT_URL


def open_store(
    url: str | None = None, *, clock: Clock = SYSTEM_CLOCK, migrate: bool = True
) -> Store:
    """Open the warehouse at `url` (default `default_url()`) and apply pending migrations."""
    url = url or default_url()
    scheme = url.split(":", 1)[0].lower()
    store: Store
    if scheme == "duckdb":
        from kalshi_tape.storage.duckdb_store import DuckDBStore

        path, read_only = _duckdb_target(url)
        store = DuckDBStore(path, read_only=read_only, clock=clock)
        migrate = migrate and not read_only
    elif scheme in ("postgresql", "postgres"):
        from kalshi_tape.storage.postgres_store import PostgresStore

        store = PostgresStore(url, clock=clock)
    else:
        raise ConfigError(
            "db", f"unsupported database URL {redact_url(url)!r} (duckdb:/// or postgresql://)"
        )
    if migrate:
        try:
            store.migrate()
        except BaseException:
            store.close()
            raise
    return store


def _duckdb_target(url: str) -> tuple[str, bool]:
    parts = urlsplit(url)
    if not url.lower().startswith("duckdb:///"):
        raise ConfigError("db", f"DuckDB URLs look like duckdb:///file.duckdb, got {url!r}")
    path = parts.path[1:]  # drop the slash after the empty host: duckdb:////abs -> /abs
    if not path:
        raise ConfigError("db", f"no DuckDB file in {url!r}")
    flag = parse_qs(parts.query).get("read_only", ["false"])[0].lower()
    return path, flag in ("1", "true", "yes")
