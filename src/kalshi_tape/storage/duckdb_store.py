"""DuckDB backend: one embedded file (or `:memory:`), the zero-set-up default.

Upserts register the Arrow table with DuckDB (zero copy) and merge it:

* small batches (the collector's and backfill's chunks): `INSERT ... ON CONFLICT DO UPDATE
  ... WHERE <some column IS DISTINCT>`, which finds existing keys through the primary-key
  index, so its cost does not grow with the table;
* large batches (>= ANTI_JOIN_ROWS): UPDATE the rows whose content differs, then INSERT
  the keys not yet there (an anti-join): 1.6x faster than ON CONFLICT for a million rows,
  at the price of one scan of the table.
Only one process may open a DuckDB file for writing; see docs/storage.md.

Reads run on a cursor of the calling thread (`con.cursor()`: its own connection to the
same database, created once per thread), so they neither take the writer's lock nor see
its uncommitted rows. A read-only connection next to the writer is not possible (DuckDB
refuses a second configuration of one file in a process); a server opened with
`?read_only=true` has read-only cursors.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import duckdb
import pyarrow as pa

from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.core.errors import StorageError
from kalshi_tape.storage import arrowconv, schema
from kalshi_tape.storage.core import SqlStore

_stage_names = itertools.count()
ANTI_JOIN_ROWS = 100_000


class DuckDBStore(SqlStore):
    backend: ClassVar[schema.Dialect] = "duckdb"
    placeholder: ClassVar[str] = "?"
    retryable: ClassVar[tuple[type[BaseException], ...]] = (duckdb.TransactionException,)

    def __init__(self, path: str, *, read_only: bool = False, clock: Clock = SYSTEM_CLOCK) -> None:
        super().__init__(f"duckdb:///{path}", clock)
        try:
            self._con = duckdb.connect(path, read_only=read_only)
        except duckdb.Error as exc:
            raise StorageError(f"cannot open DuckDB database {path!r}: {exc}") from exc
        self._con.execute("SET TimeZone = 'UTC'")
        self._depth = 0
        self._staged: list[str] = []
        self._cursors: dict[int, duckdb.DuckDBPyConnection] = {}
        self._cursors_lock = threading.Lock()

    def close(self) -> None:
        with self._cursors_lock:
            for cursor in self._cursors.values():
                cursor.close()
            self._cursors.clear()
        self._con.close()

    @contextmanager
    def _reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        yield self._thread_cursor()

    def _thread_cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor (threads of a pool are reused: a handful of cursors)."""
        ident = threading.get_ident()
        cursor = self._cursors.get(ident)
        if cursor is None:
            with self._cursors_lock:
                cursor = self._con.cursor()
                cursor.execute("SET TimeZone = 'UTC'")
                self._cursors[ident] = cursor
        return cursor

    def _is_transient(self, exc: Exception) -> bool:
        """Write-write conflicts between connections, including a key another connection
        inserted after our transaction began (DuckDB reports it as a duplicate key)."""
        duplicate = isinstance(exc, duckdb.ConstraintException) and "Duplicate key" in str(exc)
        return duplicate or super()._is_transient(exc)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        if self._depth:
            yield
            return
        self._con.execute("BEGIN TRANSACTION")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        else:
            self._con.execute("COMMIT")
        finally:
            self._depth -= 1
            self._drop_staged()

    def _drop_staged(self) -> None:
        """Unregister staged Arrow tables (not possible inside an aborted transaction)."""
        while self._staged:
            self._con.unregister(self._staged.pop())

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self._connection(self._con).execute(sql, list(params))
        return cursor.fetchall() if cursor.description else []

    def _fetch(self, columns: Sequence[schema.Column], sql: str, params: Sequence[Any]) -> pa.Table:
        con = self._connection(self._con)
        result = con.sql(sql, params=list(params)).to_arrow_table()
        target = pa.schema([pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in columns])
        return result.cast(target)

    def _merge(self, table: schema.Table, data: pa.Table) -> None:
        stage = f"ktape_stage_{next(_stage_names)}"
        self._con.register(stage, arrowconv.dedupe_last(table, data))
        self._staged.append(stage)
        if data.num_rows >= ANTI_JOIN_ROWS:
            self._con.execute(_update_sql(table, stage))
            self._con.execute(_insert_sql(table, stage))
        else:
            self._con.execute(_upsert_sql(table, stage))


def _key_match(table: schema.Table, stage: str) -> str:
    return " AND ".join(f"t.{k} = s.{k}" for k in table.primary_key)


def _update_sql(table: schema.Table, stage: str) -> str:
    changed = " OR ".join(f"t.{c} IS DISTINCT FROM s.{c}" for c in table.value_columns)
    assignments = ", ".join(f"{c} = s.{c}" for c in (*table.value_columns, schema.INGESTED_AT))
    return (
        f"UPDATE {table.name} AS t SET {assignments} FROM {stage} AS s "
        f"WHERE {_key_match(table, stage)} AND ({changed})"
    )


def _insert_sql(table: schema.Table, stage: str) -> str:
    columns = ", ".join(table.column_names)
    selected = ", ".join(f"s.{c}" for c in table.column_names)
    return (
        f"INSERT INTO {table.name} ({columns}) SELECT {selected} FROM {stage} AS s "
        f"ANTI JOIN {table.name} AS t ON {_key_match(table, stage)}"
    )


def _upsert_sql(table: schema.Table, stage: str) -> str:
    columns = ", ".join(table.column_names)
    changed = " OR ".join(
        f"{table.name}.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in table.value_columns
    )
    assignments = ", ".join(
        f"{c} = EXCLUDED.{c}" for c in (*table.value_columns, schema.INGESTED_AT)
    )
    return (
        f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {stage} "
        f"ON CONFLICT ({', '.join(table.primary_key)}) DO UPDATE SET {assignments} "
        f"WHERE {changed}"
    )
