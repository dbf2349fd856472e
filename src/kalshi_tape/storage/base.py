"""The `Store` protocol: what backfill, collector, API and backtester may call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypedDict, Unpack

import pyarrow as pa

from kalshi_tape.core.closing import Closing
from kalshi_tape.storage.records import BackfillProgress, ChunkRows


@dataclass(frozen=True, slots=True)
class StoreInfo:
    backend: str
    location: str
    schema_version: int
    timescaledb: bool
    hypertables: tuple[str, ...]
    row_counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BookInputs:
    """What it takes to rebuild one market's book over (start_ns, end_ns].

    `snapshots`: orderbook_snapshots levels of the last snapshot at or before start_ns
    (the base) and of every snapshot inside the range; `deltas`: the tape after the base;
    `gaps`: sequence_gaps rows for the market or its whole connection in the range.
    """

    snapshots: pa.Table
    deltas: pa.Table
    gaps: pa.Table


# The read filters (each optional; None or absent: no condition).


class CandleQuery(TypedDict, total=False):
    market_ticker: str | None
    event_ticker: str | None
    period_minutes: int | None
    source: str | None
    start: datetime | None
    end: datetime | None


class TradeQuery(TypedDict, total=False):
    market_ticker: str | None
    start: datetime | None
    end: datetime | None


class SnapshotQuery(TypedDict, total=False):
    market_ticker: str | None
    start_ns: int | None
    end_ns: int | None


class Store(Closing, Protocol):
    """A warehouse on one engine. Every write is an idempotent upsert by natural key."""

    @property
    def backend(self) -> str:
        """ "duckdb" or "postgresql"."""
        ...

    def migrate(self) -> list[str]:
        """Apply pending migrations (idempotent); returns the names applied now."""
        ...

    def info(self) -> StoreInfo: ...

    # ------------------------------------------------------------------ writes

    def write_arrow(self, table: str, data: pa.Table) -> int:
        """Bulk upsert an Arrow table shaped like `table` (ingested_at optional); one
        transaction; returns the number of rows given."""
        ...

    def commit_chunk(
        self,
        *,
        progress: BackfillProgress | Sequence[BackfillProgress] | None = None,
        **rows: Unpack[ChunkRows],
    ) -> int:
        """Upsert everything given and the optional checkpoint in ONE transaction."""
        ...

    def finished_tasks(self, prefix: str = "") -> set[str]: ...

    def progress(self, task_key: str) -> BackfillProgress | None: ...

    # ------------------------------------------------------------------ reads

    @property
    def placeholder(self) -> str:
        """The SQL parameter placeholder of the engine: "?" or "%s"."""
        ...

    def sql(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Ad-hoc SQL in its own transaction; parameters use `placeholder` (? or %s)."""
        ...

    def read_table(self, table: str) -> pa.Table:
        """A whole table ordered by its natural key."""
        ...

    def count(self, table: str) -> int: ...

    def candles(self, **query: Unpack[CandleQuery]) -> pa.Table:
        """Candles with start <= end_period_ts <= end, by market or by event."""
        ...

    def trades(self, **query: Unpack[TradeQuery]) -> pa.Table:
        """Trades with start <= created_time < end, oldest first."""
        ...

    def market_snapshots(self, **query: Unpack[SnapshotQuery]) -> pa.Table:
        """Top-of-book snapshots with start_ns <= received_ns < end_ns."""
        ...

    def book_inputs(self, market_ticker: str, start_ns: int, end_ns: int) -> BookInputs: ...
