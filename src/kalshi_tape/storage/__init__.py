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
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.core.errors import ConfigError, StorageError
from kalshi_tape.settings.redact import redact_url
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
    "open_existing",
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


def open_existing(
    url: str | None = None, *, clock: Clock = SYSTEM_CLOCK, migrate: bool = True
) -> Store:
    """Open a warehouse that must already exist (reading commands never create one).

    A DuckDB URL must name an existing file; without `migrate`, the warehouse must carry
    the current schema (an empty or older file is refused with what to run)."""
    url = url or default_url()
    if url.split(":", 1)[0].lower() == "duckdb":
        path, _ = _duckdb_target(url)
        if path != ":memory:" and not Path(path).exists():
            raise StorageError(
                f"no warehouse at {path} (from {redact_url(url)}); "
                "`ktape backfill` or `ktape db init` creates one"
            )
    store = open_store(url, clock=clock, migrate=migrate)
    if not migrate:
        try:
            _require_current_schema(store, url)
        except BaseException:
            store.close()
            raise
    return store


def _require_current_schema(store: Store, url: str) -> None:
    from kalshi_tape.storage import migrations

    has_versions = store.sql(
        "SELECT count(*) FROM information_schema.tables "
        f"WHERE table_name = '{migrations.VERSION_TABLE}'"
    )[0][0]
    version = (
        int(store.sql(f"SELECT max(version) FROM {migrations.VERSION_TABLE}")[0][0] or 0)
        if has_versions
        else 0
    )
    if version < migrations.LATEST_VERSION:
        raise StorageError(
            f"{redact_url(url)} has schema version {version}, not {migrations.LATEST_VERSION} "
            f"(not a kalshi-tape warehouse, or an older one): run `ktape db migrate --db {url}`"
        )


def _duckdb_target(url: str) -> tuple[str, bool]:
    parts = urlsplit(url)
    if not url.lower().startswith("duckdb:///"):
        raise ConfigError("db", f"DuckDB URLs look like duckdb:///file.duckdb, got {url!r}")
    path = parts.path[1:]  # drop the slash after the empty host: duckdb:////abs -> /abs
    if not path:
        raise ConfigError("db", f"no DuckDB file in {url!r}")
    flag = parse_qs(parts.query).get("read_only", ["false"])[0].lower()
    return path, flag in ("1", "true", "yes")
