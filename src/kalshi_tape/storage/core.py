"""What both engines share: write orchestration, transactions with retry, and reads.

A backend supplies a connection-level transaction, a bulk merge of one Arrow table and
a query returning Arrow; everything else (domain conversion, checkpoints, SQL of the
reads, migrations bookkeeping) lives here once.

Writes are serialised by one lock on the store's writer connection. Reads take no lock:
each runs on a reader connection of its own thread (`_reading`: a DuckDB cursor of the
thread, a pooled PostgreSQL connection), so concurrent requests read in parallel and see
committed data only.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar, Unpack, cast

import pyarrow as pa

from kalshi_tape.core import keywords
from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.core.closing import Closing
from kalshi_tape.core.errors import StorageError
from kalshi_tape.storage import arrowconv, migrations, schema
from kalshi_tape.storage.base import BookInputs, CandleQuery, SnapshotQuery, StoreInfo, TradeQuery
from kalshi_tape.storage.records import BackfillProgress, ChunkRows

T = TypeVar("T")
_RETRIES = 6


class SqlStore(Closing, ABC):
    """Shared implementation of the `Store` protocol."""

    backend: ClassVar[schema.Dialect]
    placeholder: ClassVar[str]
    retryable: ClassVar[tuple[type[BaseException], ...]] = ()

    def __init__(self, location: str, clock: Clock = SYSTEM_CLOCK) -> None:
        self.location = location
        self.clock = clock
        self._lock = threading.RLock()
        self._local = threading.local()  # .reader: this thread's reader, while reading

    # ------------------------------------------------------------------ backend hooks

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[None]:
        """BEGIN ... COMMIT (ROLLBACK on error) on the store's connection."""

    @abstractmethod
    def _reading(self) -> AbstractContextManager[Any]:
        """A reader connection for the calling thread (yielded), used by no other thread."""

    @abstractmethod
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; return its rows (empty when it returns none)."""

    @abstractmethod
    def _merge(self, table: schema.Table, data: pa.Table) -> None:
        """Upsert conformed rows (duplicate keys possible: last wins) in the current transaction."""

    @abstractmethod
    def _fetch(self, columns: Sequence[schema.Column], sql: str, params: Sequence[Any]) -> pa.Table:
        """Run a SELECT whose result columns are `columns`; return Arrow."""

    @abstractmethod
    def close(self) -> None: ...

    def _migration_lock(self) -> None:
        """Serialize concurrent migrators (inside the migration transaction)."""

    def _after_migrate(self) -> None:
        """Engine extras after migrations (TimescaleDB hypertables)."""

    def _is_transient(self, exc: Exception) -> bool:
        """Whether retrying the whole transaction may succeed (conflicts, deadlocks)."""
        return isinstance(exc, self.retryable)

    def _timescale_state(self) -> tuple[bool, tuple[str, ...]]:
        return False, ()

    def _select_list(self, columns: Sequence[schema.Column]) -> str:
        """The result columns of a table read, in order (`_fetch` gets them as `columns`)."""
        return ", ".join(c.name for c in columns)

    # ------------------------------------------------------------------ lifecycle

    def migrate(self) -> list[str]:
        with self._lock:
            applied = self._run(self._apply_migrations)
            self._after_migrate()
            return applied

    def _apply_migrations(self) -> list[str]:
        self._migration_lock()
        self._execute(migrations.version_table_sql(self.backend))
        done = {
            int(row[0]) for row in self._execute(f"SELECT version FROM {migrations.VERSION_TABLE}")
        }
        names = []
        for migration in migrations.pending(done):
            for statement in migration.statements(self.backend):
                self._execute(statement)
            self._execute(
                f"INSERT INTO {migrations.VERSION_TABLE} (version, name, applied_at) "
                f"VALUES ({self._params(3)})",
                (migration.version, migration.name, self._now()),
            )
            names.append(migration.name)
        return names

    def schema_version(self) -> int:
        rows = self._read(
            lambda: self._execute(f"SELECT max(version) FROM {migrations.VERSION_TABLE}")
        )
        return int(rows[0][0] or 0)

    def info(self) -> StoreInfo:
        timescale, hypertables = self._read(self._timescale_state)
        return StoreInfo(
            backend=self.backend,
            location=self.location,
            schema_version=self.schema_version(),
            timescaledb=timescale,
            hypertables=hypertables,
            row_counts={t.name: self.count(t.name) for t in schema.TABLES},
        )

    # ------------------------------------------------------------------ writes

    def write_arrow(self, table: str, data: pa.Table) -> int:
        spec = schema.table(table)
        try:
            prepared = self._prepare(spec, data)
        except (ValueError, TypeError, pa.ArrowException) as exc:
            raise StorageError(f"cannot write {table}: {exc}") from exc
        self._run(lambda: self._merge_nonempty(spec, prepared))
        return int(prepared.num_rows)

    def commit_chunk(
        self,
        *,
        progress: BackfillProgress | Sequence[BackfillProgress] | None = None,
        **rows: Unpack[ChunkRows],
    ) -> int:
        keywords.check(ChunkRows, rows, "commit_chunk")
        given = cast(dict[str, Iterable[Any]], {**rows})
        given["backfill_progress"] = _checkpoints(progress)
        batches = []
        for spec in schema.TABLES:
            items = list(given.get(spec.name, ()))  # tables without a kwarg: write_arrow
            if items:
                batches.append((spec, self._prepare(spec, arrowconv.CONVERTERS[spec.name](items))))
        return self._run(lambda: self._merge_batches(batches)) if batches else 0

    def _merge_batches(self, batches: list[tuple[schema.Table, pa.Table]]) -> int:
        for spec, data in batches:
            self._merge(spec, data)
        return sum(int(data.num_rows) for spec, data in batches if spec.name != "backfill_progress")

    def _prepare(self, spec: schema.Table, data: pa.Table) -> pa.Table:
        return arrowconv.conform(spec, arrowconv.with_ingested_at(data, self._now()))

    def _merge_nonempty(self, spec: schema.Table, data: pa.Table) -> None:
        if data.num_rows:
            self._merge(spec, data)

    def finished_tasks(self, prefix: str = "") -> set[str]:
        sql = (
            f"SELECT task_key FROM backfill_progress WHERE done AND "
            f"substr(task_key, 1, {self.placeholder}) = {self.placeholder}"
        )
        rows = self._read(lambda: self._execute(sql, (len(prefix), prefix)))
        return {str(row[0]) for row in rows}

    def progress(self, task_key: str) -> BackfillProgress | None:
        sql = (
            "SELECT task_key, kind, rows, requests, detail, done FROM backfill_progress "
            f"WHERE task_key = {self.placeholder}"
        )
        rows = self._read(lambda: self._execute(sql, (task_key,)))
        if not rows:
            return None
        key, kind, n_rows, requests, detail, done = rows[0]
        return BackfillProgress(key, kind, int(n_rows), int(requests), detail or "", bool(done))

    # ------------------------------------------------------------------ reads

    def sql(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Ad-hoc SQL; parameters use `self.placeholder`. A plain SELECT runs on the
        thread's reader (no lock), anything else in its own write transaction."""
        if _is_select(query):
            return self._read(lambda: self._execute(query, params))
        return self._run(lambda: self._execute(query, params))

    def read_table(self, table: str) -> pa.Table:
        spec = schema.table(table)
        return self._select(spec, [], [], order_by=spec.primary_key)

    def count(self, table: str) -> int:
        spec = schema.table(table)
        rows = self._read(lambda: self._execute(f"SELECT count(*) FROM {spec.name}"))
        return int(rows[0][0])

    def candles(self, **query: Unpack[CandleQuery]) -> pa.Table:
        q = keywords.ordered(CandleQuery, query, "candles")
        where = _Where(self.placeholder)
        where.eq("market_ticker", q["market_ticker"])
        where.add(
            "market_ticker IN (SELECT ticker FROM markets WHERE event_ticker = {})",
            q["event_ticker"],
        )
        where.eq("period_minutes", q["period_minutes"])
        where.eq("source", q["source"])
        where.span("end_period_ts", q["start"], ">=", q["end"], "<=")
        order = ("market_ticker", "period_minutes", "source", "end_period_ts")
        return self._select(schema.CANDLES, where.clauses, where.params, order)

    def trades(self, **query: Unpack[TradeQuery]) -> pa.Table:
        q = keywords.ordered(TradeQuery, query, "trades")
        span = ("created_time", q["start"], q["end"])
        return self._half_open(schema.TRADES, q["market_ticker"], span, ("trade_id",))

    def market_snapshots(self, **query: Unpack[SnapshotQuery]) -> pa.Table:
        q = keywords.ordered(SnapshotQuery, query, "market_snapshots")
        span = ("received_ns", q["start_ns"], q["end_ns"])
        order = ("market_ticker", "trigger")
        return self._half_open(schema.MARKET_SNAPSHOTS, q["market_ticker"], span, order)

    def _half_open(
        self,
        spec: schema.Table,
        market: str | None,
        span: tuple[str, Any, Any],
        then: Sequence[str],
    ) -> pa.Table:
        """Rows of `market` (None: all) with low <= column < high, by column then `then`."""
        column, low, high = span
        where = _Where(self.placeholder)
        where.eq("market_ticker", market)
        where.span(column, low, ">=", high, "<")
        return self._select(spec, where.clauses, where.params, (column, *then))

    def book_inputs(self, market_ticker: str, start_ns: int, end_ns: int) -> BookInputs:
        p = self.placeholder
        base_rows = self._read(
            lambda: self._execute(
                f"SELECT max(received_ns) FROM orderbook_snapshots "
                f"WHERE market_ticker = {p} AND received_ns <= {p}",
                (market_ticker, start_ns),
            )
        )
        base_ns = base_rows[0][0] if base_rows[0][0] is not None else start_ns
        snaps = _Where(p)
        snaps.eq("market_ticker", market_ticker)
        snaps.span("received_ns", base_ns, ">=", end_ns, "<=")
        deltas = _Where(p)
        deltas.eq("market_ticker", market_ticker)
        deltas.span("received_ns", base_ns, ">", end_ns, "<=")
        gaps = _Where(p)
        gaps.add("market_ticker IN ({}, '')", market_ticker)
        gaps.span("received_ns", base_ns, ">=", end_ns, "<=")
        return BookInputs(
            snapshots=self._select(
                schema.ORDERBOOK_SNAPSHOTS,
                snaps.clauses,
                snaps.params,
                ("received_ns", "side", "price"),
            ),
            deltas=self._select(
                schema.ORDERBOOK_DELTAS,
                deltas.clauses,
                deltas.params,
                ("received_ns", "sid", "seq"),
            ),
            gaps=self._select(
                schema.SEQUENCE_GAPS, gaps.clauses, gaps.params, ("received_ns", "kind", "sid")
            ),
        )

    def _select(
        self,
        spec: schema.Table,
        clauses: Sequence[str],
        params: Sequence[Any],
        order_by: Sequence[str],
    ) -> pa.Table:
        sql = f"SELECT {self._select_list(spec.columns)} FROM {spec.name}"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += f" ORDER BY {', '.join(order_by)}"
        return self._read(lambda: self._fetch(spec.columns, sql, params))

    # ------------------------------------------------------------------ plumbing

    def _now(self) -> datetime:
        micros = self.clock.now_ns() // 1_000
        return datetime.fromtimestamp(micros // 1_000_000, UTC).replace(
            microsecond=micros % 1_000_000
        )

    def _params(self, n: int) -> str:
        return ", ".join([self.placeholder] * n)

    def _connection(self, writer: T) -> T | Any:
        """The connection statements of this thread run on: its reader while reading,
        else the writer (inside a write transaction, under the lock)."""
        reader = getattr(self._local, "reader", None)
        return writer if reader is None else reader

    def _read(self, fn: Callable[[], T]) -> T:
        """`fn` on this thread's reader connection; no lock is taken. Inside a write
        transaction of this thread it runs there instead (it sees its own writes)."""
        if getattr(self._local, "reader", None) is not None or self._writing():
            return fn()
        with self._reading() as reader:
            self._local.reader = reader
            try:
                return fn()
            finally:
                self._local.reader = None

    def _writing(self) -> bool:
        return bool(getattr(self._local, "writing", False))

    def _run(self, fn: Callable[[], T]) -> T:
        """`fn` in one transaction, retried when the engine reports a transient conflict."""
        for attempt in range(_RETRIES):
            try:
                with self._lock, self._transaction():
                    return self._as_writer(fn)
            except Exception as exc:
                if attempt == _RETRIES - 1 or not self._is_transient(exc):
                    raise
                time.sleep(0.01 * 2**attempt)
        raise StorageError("unreachable")  # pragma: no cover

    def _as_writer(self, fn: Callable[[], T]) -> T:
        outer = self._writing()
        self._local.writing = True
        try:
            return fn()
        finally:
            self._local.writing = outer


def _is_select(query: str) -> bool:
    """A single plain SELECT (no statement separator), safe on a reader connection."""
    text = query.strip().rstrip(";")
    return text[:7].upper() == "SELECT " and ";" not in text


class _Where:
    """WHERE clauses with positional parameters; `None` values add no clause."""

    def __init__(self, placeholder: str) -> None:
        self._ph = placeholder
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, template: str, value: object) -> None:
        if value is not None:
            self.clauses.append(template.format(self._ph))
            self.params.append(value)

    def eq(self, column: str, value: object) -> None:
        self.add(f"{column} = {{}}", value)

    def span(self, column: str, low: object, low_op: str, high: object, high_op: str) -> None:
        """`column low_op low AND column high_op high`, each bound only when given."""
        self.add(f"{column} {low_op} {{}}", low)
        self.add(f"{column} {high_op} {{}}", high)


def _checkpoints(
    progress: BackfillProgress | Sequence[BackfillProgress] | None,
) -> Sequence[BackfillProgress]:
    """One checkpoint, several (chunks committed together), or none."""
    if progress is None:
        return ()
    return (progress,) if isinstance(progress, BackfillProgress) else progress
