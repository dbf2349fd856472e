"""Where API keys live, so that `ktape apikey revoke` works while `ktape serve` runs.

* PostgreSQL: the warehouse's `api_keys` table (many processes may write it).
* A DuckDB file: its own small SQLite file next to it, `<warehouse>.keys.sqlite3`, because
  a serving process holds the DuckDB file's lock; SQLite lets `ktape apikey` write while
  the server reads. On first use the warehouse's `api_keys` rows (keys made before this
  store existed) are copied over, so no key is lost or revived.
* An in-memory DuckDB (tests): the warehouse itself.

Every store answers `sql(query, params)` with `placeholder`-style parameters, which is
all `kalshi_tape.api.keys` needs.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from kalshi_tape.core.errors import KtapeError
from kalshi_tape.storage import Store
from kalshi_tape.storage.schema import API_KEYS, INGESTED_AT

SUFFIX = ".keys.sqlite3"
# the warehouse table's columns, bookkeeping aside; the SQLite copy below keeps them in
# the same order (tests/api/test_keys.py checks it against schema.API_KEYS)
COLUMNS = tuple(c.name for c in API_KEYS.columns if c.name != INGESTED_AT)
_CREATE = """CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY, name TEXT NOT NULL, key_hash TEXT NOT NULL,
    issued_at TEXT NOT NULL, revoked_at TEXT, rate_per_s INTEGER, burst INTEGER,
    ingested_at TEXT)"""
_TIME_COLUMNS = (2, 3)  # issued_at, revoked_at in `SELECT key_id, name, issued_at, ...`


class KeyTable(Protocol):
    @property
    def placeholder(self) -> str: ...

    def sql(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def close(self) -> None: ...


class SqliteKeys:
    """The `api_keys` table in a SQLite file; safe across processes and threads."""

    placeholder = "?"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            self._con = sqlite3.connect(path, timeout=10, check_same_thread=False)
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute(_CREATE)
            self._con.commit()
        except sqlite3.Error as exc:
            raise KtapeError(f"cannot open the API key store {path}: {exc}") from None

    def sql(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        values = [v.isoformat() if isinstance(v, datetime) else v for v in params]
        with self._lock:
            try:
                rows = self._con.execute(query, values).fetchall()
                self._con.commit()
            except sqlite3.Error as exc:
                raise KtapeError(f"API key store {self.path}: {exc}") from None
        return [_times(row, query) for row in rows]

    def close(self) -> None:
        self._con.close()


def _times(row: tuple[Any, ...], query: str) -> tuple[Any, ...]:
    """ISO text back to aware datetimes (only the listing selects time columns)."""
    if not query.lstrip().upper().startswith("SELECT KEY_ID, NAME, ISSUED_AT"):
        return tuple(row)
    out = list(row)
    for i in _TIME_COLUMNS:
        if out[i] is not None:
            out[i] = datetime.fromisoformat(out[i]).astimezone(UTC)
    return tuple(out)


def keys_path(db_url: str) -> Path | None:
    """The SQLite key file of a DuckDB file warehouse; None when keys live in the store."""
    if not db_url.lower().startswith("duckdb:///"):
        return None
    path = db_url[len("duckdb:///") :].split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return Path(path + SUFFIX)


def open_key_table(db_url: str, store: Store | None = None) -> tuple[KeyTable, bool]:
    """(the key table for the warehouse at `db_url`, whether the caller must close it).
    Without `store`, a DuckDB file is not opened at all (it may be locked by a server)."""
    path = keys_path(db_url)
    if path is None:
        if store is not None:
            return store, False
        from kalshi_tape.storage import open_store

        return open_store(db_url), True
    fresh = not path.exists()
    table = SqliteKeys(path)
    if fresh:
        _copy_warehouse_keys(db_url, store, table)
    return table, True


def _copy_warehouse_keys(db_url: str, store: Store | None, into: SqliteKeys) -> None:
    if store is not None:
        rows = store.sql(f"SELECT {', '.join(COLUMNS)} FROM api_keys")
    else:
        rows = _read_warehouse_keys(db_url, into)
    marks = ", ".join("?" for _ in COLUMNS)
    for row in rows:
        into.sql(
            f"INSERT OR IGNORE INTO api_keys ({', '.join(COLUMNS)}) VALUES ({marks})", tuple(row)
        )


def _read_warehouse_keys(db_url: str, into: SqliteKeys) -> list[tuple[Any, ...]]:
    from kalshi_tape.storage import open_store

    if not Path(db_url[len("duckdb:///") :].split("?", 1)[0]).exists():
        return []
    try:
        with open_store(db_url) as store:
            return store.sql(f"SELECT {', '.join(COLUMNS)} FROM api_keys")
    except KtapeError as exc:
        into.close()
        into.path.unlink(missing_ok=True)  # try again next time rather than lose keys
        raise KtapeError(
            f"the API key store {into.path} is new and the warehouse's older keys cannot be "
            f"read ({exc}); run this once while `ktape serve` is stopped"
        ) from None
