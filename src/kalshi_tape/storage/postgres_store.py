"""PostgreSQL backend (psycopg 3), with TimescaleDB hypertables when the extension exists.

Bulk upserts serialize the Arrow table to CSV with pyarrow (in a helper thread, batch by
batch, while the previous batch streams) and `COPY ... FROM STDIN`:

* fresh rows (the common backfill case) are copied straight into the table inside a
  savepoint; a single existing key aborts that attempt (unique violation) and
* the rows then go through a temporary staging table and
  `INSERT ... ON CONFLICT DO UPDATE ... WHERE (row) IS DISTINCT FROM (excluded)`,
  so rewriting identical rows changes nothing, not even `ingested_at`.

Reads run `COPY (SELECT ...) TO STDOUT` and parse the CSV with pyarrow into typed columns,
on a connection of a pool (`psycopg_pool`, read-only sessions) so concurrent reads neither
wait for each other nor for the writer connection.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, ClassVar

import numpy as np
import psycopg
import psycopg_pool
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import errors as pgerrors

from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.core.errors import StorageError
from kalshi_tape.settings.redact import redact_url
from kalshi_tape.storage import arrowconv, schema, timescale
from kalshi_tape.storage.core import SqlStore

COPY_BATCH_ROWS = 50_000
READ_POOL_SIZE = 8  # concurrent reads per process (asyncio.to_thread runs a few at once)
_MIGRATION_LOCK_ID = 0x6B74617065  # "ktape"


class PostgresStore(SqlStore):
    backend: ClassVar[schema.Dialect] = "postgresql"
    placeholder: ClassVar[str] = "%s"
    retryable: ClassVar[tuple[type[BaseException], ...]] = (
        pgerrors.DeadlockDetected,
        pgerrors.SerializationFailure,
    )

    def __init__(self, url: str, *, clock: Clock = SYSTEM_CLOCK) -> None:
        super().__init__(redact_url(url), clock)
        try:
            self._con = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            raise StorageError(f"cannot connect to {self.location}: {exc}") from exc
        self._con.execute("SET TIME ZONE 'UTC'")
        self._con.execute("SET temp_buffers = '256MB'")
        self._pool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=READ_POOL_SIZE,
            kwargs={"autocommit": True},
            configure=_reader_session,
            open=False,
            name="ktape-readers",
        )
        self._pool_lock = threading.Lock()

    def close(self) -> None:
        self._pool.close()
        self._con.close()

    @contextmanager
    def _reading(self) -> Iterator[psycopg.Connection[Any]]:
        if self._pool.closed:
            self._open_pool()
        with self._pool.connection() as con:
            yield con

    def _open_pool(self) -> None:
        with self._pool_lock:  # not the writer's lock: reads never wait for a commit
            if self._pool.closed:
                try:
                    self._pool.open(wait=True, timeout=10)
                except psycopg_pool.PoolTimeout as exc:
                    raise StorageError(f"cannot open readers to {self.location}: {exc}") from exc

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._con.transaction():
            yield

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self._connection(self._con).execute(sql, list(params) or None)
        return cursor.fetchall() if cursor.description else []

    # ------------------------------------------------------------------ migrations

    def _migration_lock(self) -> None:
        self._con.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK_ID,))

    def _after_migrate(self) -> None:
        with self._con.transaction():
            self._migration_lock()
            timescale.ensure_hypertables(self._con)

    def _timescale_state(self) -> tuple[bool, tuple[str, ...]]:
        return timescale.state(self._connection(self._con))

    # ------------------------------------------------------------------ writes

    def _merge(self, table: schema.Table, data: pa.Table) -> None:
        if data.num_rows == 0:
            return  # e.g. the levels of an empty book: nothing to write
        if not self._any_key_exists(table, data):
            try:
                with self._con.transaction():  # a savepoint
                    self._copy(table.name, data)
                return
            except pgerrors.UniqueViolation:
                pass  # some keys exist already (or repeat within `data`): merge instead
        data = arrowconv.dedupe_last(table, data)
        stage = f"ktape_stage_{table.name}"
        self._con.execute(
            f"CREATE TEMP TABLE {stage} (LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        self._copy(stage, data)
        self._con.execute(_upsert_sql(table, stage))
        self._con.execute(f"DROP TABLE {stage}")

    def _any_key_exists(self, table: schema.Table, data: pa.Table) -> bool:
        """A cheap probe (first and last keys) to skip a doomed direct COPY on rewrites."""
        keys = data.select(list(table.primary_key))
        probe = [tuple(keys.slice(i, 1).to_pylist()[0].values()) for i in {0, data.num_rows - 1}]
        row = f"({', '.join(['%s'] * len(table.primary_key))})"
        sql = (
            f"SELECT EXISTS (SELECT 1 FROM {table.name} WHERE ({', '.join(table.primary_key)}) "
            f"IN ({', '.join([row] * len(probe))}))"
        )
        params = [value for key in probe for value in key]
        return bool(self._con.execute(sql, params).fetchone()[0])  # type: ignore[index]

    def _copy(self, target: str, data: pa.Table) -> None:
        sql = f"COPY {target} ({', '.join(data.column_names)}) FROM STDIN (FORMAT csv)"
        with self._con.cursor() as cursor, cursor.copy(sql) as copy:
            for chunk in _csv_chunks(data):
                copy.write(chunk)

    # ------------------------------------------------------------------ reads

    def _select_list(self, columns: Sequence[schema.Column]) -> str:
        """Decimals travel as their unscaled integers (parsing `0.390000` as a decimal costs
        3x parsing `390000`); `_parse_csv` rebuilds the decimals, exactly."""
        return ", ".join(
            f"({c.name} * {10**c.arrow_type.scale})::bigint AS {c.name}"
            if _as_units(c.arrow_type)
            else c.name
            for c in columns
        )

    def _fetch(self, columns: Sequence[schema.Column], sql: str, params: Sequence[Any]) -> pa.Table:
        con = self._connection(self._con)
        query = psycopg.ClientCursor(con).mogrify(sql, list(params) or None)
        buffer = io.BytesIO()
        with (
            con.cursor() as cursor,
            cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy,
        ):
            for block in copy:
                buffer.write(block)
        return _parse_csv(columns, buffer.getvalue())


def _reader_session(con: psycopg.Connection[Any]) -> None:
    """Pooled readers: UTC, and read-only (a write on the read path fails, loudly)."""
    con.execute("SET TIME ZONE 'UTC'")
    con.execute("SET default_transaction_read_only = on")


def _upsert_sql(table: schema.Table, stage: str) -> str:
    columns = ", ".join(table.column_names)
    values = table.value_columns
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*values, schema.INGESTED_AT))
    mine = ", ".join(f"{table.name}.{c}" for c in values)
    theirs = ", ".join(f"EXCLUDED.{c}" for c in values)
    return (
        f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {stage} "
        f"ORDER BY {', '.join(table.primary_key)} "
        f"ON CONFLICT ({', '.join(table.primary_key)}) DO UPDATE SET {assignments} "
        f"WHERE ROW({mine}) IS DISTINCT FROM ROW({theirs})"
    )


def _csv_ready(data: pa.Table) -> pa.Table:
    """Timestamps as naive UTC text (the session time zone is UTC): much faster to format."""
    columns = [
        col.cast(pa.timestamp("us")) if pa.types.is_timestamp(col.type) else col
        for col in data.columns
    ]
    return pa.Table.from_arrays(columns, names=data.column_names)


def _to_csv(batch: pa.RecordBatch) -> bytes:
    buffer = io.BytesIO()
    pacsv.write_csv(batch, buffer, pacsv.WriteOptions(include_header=False))
    return buffer.getvalue()


def _csv_chunks(data: pa.Table) -> Iterator[bytes]:
    """CSV of `data` batch by batch; the next batch is formatted while this one is sent."""
    batches = _csv_ready(data).to_batches(max_chunksize=COPY_BATCH_ROWS)
    if len(batches) <= 1:  # nothing to overlap (the collector's batches): no helper thread
        yield from map(_to_csv, batches)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_to_csv, batches[0])
        for batch in batches[1:]:
            ready = pending.result()
            pending = pool.submit(_to_csv, batch)
            yield ready
        yield pending.result()


def _parse_csv(columns: Sequence[schema.Column], payload: bytes) -> pa.Table:
    target = pa.schema([pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in columns])
    if not payload:
        return target.empty_table()
    wire = {f.name: pa.int64() if _as_units(f.type) else f.type for f in target}
    table = pacsv.read_csv(
        io.BytesIO(payload),
        read_options=pacsv.ReadOptions(column_names=target.names, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=wire,
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )
    columns_out = [
        _from_units(table.column(f.name), f.type) if _as_units(f.type) else table.column(f.name)
        for f in target
    ]
    return pa.Table.from_arrays(columns_out, schema=target)


def _as_units(kind: pa.DataType) -> bool:
    """Decimals whose unscaled values fit in a bigint travel as that integer."""
    return bool(pa.types.is_decimal(kind) and kind.precision <= 18)


def _from_units(column: pa.ChunkedArray, kind: pa.Decimal128Type) -> pa.ChunkedArray:
    """Unscaled int64 values as decimal128 of `kind` (each the 128-bit two's complement)."""
    chunks = []
    for chunk in column.chunks:
        chunk = pa.concat_arrays([chunk]) if chunk.offset else chunk  # validity from bit 0
        units = np.asarray(chunk.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
        words = np.empty(2 * len(units), dtype="<i8")
        words[0::2], words[1::2] = units, units >> 63
        validity = chunk.buffers()[0] if chunk.null_count else None
        chunks.append(
            pa.Array.from_buffers(
                kind, len(units), [validity, pa.py_buffer(words)], chunk.null_count
            )
        )
    return pa.chunked_array(chunks, type=kind)
