"""The collector's writer: batches rows, commits each batch in one transaction on a worker
thread, and falls back to the spool when the database is down.

* The event loop appends rows to the current `Rows` buffer (plain list appends, the hot
  path). `flush()` hands the buffer to the worker; the buffer is handed over when it
  holds `flush_max_rows` rows or its oldest feed row is `max_age_s` old (`due`, asked
  after every frame), so no row waits in the buffer longer than that, whatever the rate.
* Memory is bounded: at most `max_batches` batches wait for the worker; beyond that
  `flush()` waits (backpressure: the collector stops reading the socket). Batches that
  queued up while the worker was busy are committed together (one transaction).
* A failed commit spools the batch (fsync'd) and every later batch follows it into the
  spool, so rows reach the warehouse in order. The worker retries the database every
  `retry_seconds` and replays the spool, oldest first, before writing directly again.
* A spool failure is fatal (`fatal` is set and `flush()` raises it): the collector exits
  with that message instead of losing rows silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from kalshi_tape.collector.metrics import CollectorMetrics
from kalshi_tape.collector.spool import Spool, SpoolError
from kalshi_tape.core.clock import Clock
from kalshi_tape.storage import Store
from kalshi_tape.storage.arrowconv import CONVERTERS

log = logging.getLogger("kalshi_tape.collector.writer")

KINDS = (
    "events",
    "markets",
    "trades",
    "candles",
    "market_snapshots",
    "orderbook_snapshots",
    "orderbook_deltas",
    "sequence_gaps",
    "backfill_progress",  # coverage records of the markets the feed watched
)


@dataclass(slots=True)
class Rows:
    """One batch of rows by table (domain objects and records), with their receive times."""

    events: list[Any] = field(default_factory=list)
    markets: list[Any] = field(default_factory=list)
    trades: list[Any] = field(default_factory=list)
    candles: list[Any] = field(default_factory=list)
    market_snapshots: list[Any] = field(default_factory=list)
    orderbook_snapshots: list[Any] = field(default_factory=list)
    orderbook_deltas: list[Any] = field(default_factory=list)
    sequence_gaps: list[Any] = field(default_factory=list)
    backfill_progress: list[Any] = field(default_factory=list)
    received: list[int] = field(default_factory=list)  # receive times, for write lag
    started: float = 0.0

    def __len__(self) -> int:
        return sum(len(getattr(self, kind)) for kind in KINDS)

    def absorb(self, other: Rows) -> None:
        """Append `other`'s rows (a later batch) to this one."""
        for kind in KINDS:
            getattr(self, kind).extend(getattr(other, kind))
        self.received.extend(other.received)

    def tables(self) -> dict[str, pa.Table]:
        return {k: CONVERTERS[k](getattr(self, k)) for k in KINDS if getattr(self, k)}


class LagStats:
    """Write lag (commit time - receive time) of recent rows, for percentiles."""

    def __init__(self, size: int = 1_000_000) -> None:
        self._ring = np.zeros(size, dtype=np.int64)
        self._n = 0
        self._lock = threading.Lock()

    def add(self, commit_ns: int, received: list[int]) -> None:
        if not received:
            return
        lags = commit_ns - np.asarray(received, dtype=np.int64)
        size = len(self._ring)
        with self._lock:
            skipped = max(0, len(lags) - size)  # only the newest `size` lags can be kept
            self._n += skipped
            kept = lags[skipped:]
            self._ring[(self._n + np.arange(len(kept))) % size] = kept  # wraps around
            self._n += len(kept)

    def percentiles(self, *qs: float) -> list[float]:
        """Lag percentiles in seconds (NaN before the first commit)."""
        with self._lock:
            data = self._ring[: min(self._n, len(self._ring))]
            if not len(data):
                return [float("nan")] * len(qs)
            return [float(v) / 1e9 for v in np.percentile(data, qs)]


_STOP = object()
COALESCE_MAX_ROWS = 100_000
# The worker waits on the database ~25 times a batch (BEGIN, probes, savepoints, COPYs) and
# must take the GIL back from the busy event loop after each wait: at Python's default 5 ms
# switch interval that alone cost ~0.1 s a batch (write lag). The process's interval is
# lowered to this while a worker runs, and put back when the last running one stops.
SWITCH_INTERVAL_S = 0.0005


class _SwitchInterval:
    """`sys.setswitchinterval` held by the running writers: lowered by the first to start,
    restored (to the value found then) when the last one stops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._saved: float | None = None

    def acquire(self) -> None:
        with self._lock:
            if self._holders == 0:
                self._saved = sys.getswitchinterval()
                if self._saved > SWITCH_INTERVAL_S:
                    sys.setswitchinterval(SWITCH_INTERVAL_S)
            self._holders += 1

    def release(self) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0 and self._saved is not None:
                sys.setswitchinterval(self._saved)
                self._saved = None


_SWITCH = _SwitchInterval()


class CollectorWriter:
    def __init__(
        self,
        store: Store | None,
        spool: Spool,
        *,
        clock: Clock,
        metrics: CollectorMetrics,
        reopen: Callable[[], Store] | None = None,
        flush_max_rows: int = 20_000,
        max_age_s: float | None = None,
        max_batches: int = 8,
        retry_seconds: float = 2.0,
    ) -> None:
        self.store = store
        self.spool = spool
        self.clock = clock
        self.metrics = metrics
        self.reopen = reopen
        self.flush_max_rows = flush_max_rows
        # None: only `full` (the caller flushes on its own timer)
        self._max_age_ns = round(max_age_s * 1e9) if max_age_s is not None else None
        self.retry_seconds = retry_seconds
        self.rows = Rows(started=clock.monotonic())
        self.lag = LagStats()
        self.fatal: SpoolError | None = None
        self.db_ok = store is not None  # None: the database was down at start
        self.commits = 0
        self.spooled_batches = 0
        self._queue: queue.Queue[Any] = queue.Queue(max_batches)
        self._thread = threading.Thread(target=self._work, name="ktape-collect-writer")
        self._started = False

    # ------------------------------------------------------------------ event loop side

    def start(self) -> None:
        if not self._started:
            self._started = True
            _SWITCH.acquire()
            self._thread.start()

    @property
    def full(self) -> bool:
        """The buffer holds `flush_max_rows` feed rows (those with a receive time; asked
        after every feed event, so it counts one list, not every table)."""
        return len(self.rows.received) >= self.flush_max_rows

    @property
    def due(self) -> bool:
        """`full`, or the oldest buffered feed row is `max_age_s` old: flush now. Bounds
        the time a row waits in the buffer (the write lag before the commit itself)."""
        received = self.rows.received
        if not received:
            return False
        if len(received) >= self.flush_max_rows:
            return True
        max_age = self._max_age_ns
        return max_age is not None and self.clock.now_ns() - received[0] >= max_age

    async def flush(self) -> None:
        """Hand the current buffer to the worker; wait while the worker is saturated."""
        if self.fatal is not None:
            raise self.fatal
        if not len(self.rows):
            return
        batch, self.rows = self.rows, Rows(started=self.clock.monotonic())
        while True:
            try:
                self._queue.put_nowait(batch)
                break
            except queue.Full:
                self.metrics.backpressure.inc()
                await asyncio.sleep(0.005)
                if self.fatal is not None:
                    raise self.fatal from None
        self.metrics.queue_depth.set(self._queue.qsize())

    async def close(self) -> None:
        """Flush everything still buffered and stop the worker (it drains the queue)."""
        try:
            await self.flush()
        finally:
            if self._started:
                await asyncio.to_thread(self._queue.put, _STOP)
                await asyncio.to_thread(self._thread.join)
        if self.fatal is not None:
            raise self.fatal

    # ------------------------------------------------------------------ worker thread

    def _work(self) -> None:
        try:
            self._work_until_stop()
        finally:
            _SWITCH.release()  # the worker's end, however it ends

    def _work_until_stop(self) -> None:
        last_retry = 0.0
        while True:
            try:
                batch = self._queue.get(timeout=self.retry_seconds / 2)
            except queue.Empty:
                batch = None
            if batch is _STOP:
                self._final_replay()
                return
            stop = False
            if batch is not None:
                batch, stop = self._coalesce(batch)
            try:
                if batch is not None:
                    self._handle(batch)
                now = time.monotonic()
                due = self.db_ok or now - last_retry >= self.retry_seconds
                if due and not self.spool.empty:
                    last_retry = now
                    self._replay()
            except SpoolError as exc:
                log.error("spool failure, stopping: %s", exc)
                self.fatal = exc
                self._discard_queue()
                return
            self.metrics.queue_depth.set(self._queue.qsize())
            self.metrics.spool_bytes.set(self.spool.bytes)
            if stop:
                self._final_replay()
                return

    def _coalesce(self, batch: Rows) -> tuple[Rows, bool]:
        """Merge the batches already waiting into one commit (a transaction's fixed cost
        is paid once when the writer falls behind); True when the stop marker was met."""
        while len(batch) < COALESCE_MAX_ROWS:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False
            if item is _STOP:
                return batch, True
            batch.absorb(item)
        return batch, False

    def _handle(self, batch: Rows) -> None:
        if not self.spool.empty or not self.db_ok:
            self._spool(batch)
            return
        try:
            self._commit(batch)
        except Exception as exc:  # the database is down or refused the batch
            self._db_failed(exc)
            self._spool(batch)

    def _commit(self, batch: Rows) -> None:
        assert self.store is not None
        rows = {kind: getattr(batch, kind) for kind in KINDS}
        self.store.commit_chunk(progress=rows.pop("backfill_progress"), **rows)
        self.commits += 1
        commit_ns = self.clock.now_ns()
        self.lag.add(commit_ns, batch.received)
        if batch.received:
            self.metrics.write_lag.observe((commit_ns - min(batch.received)) / 1e9)
        self.metrics.rows_written.inc(len(batch))

    def _spool(self, batch: Rows) -> None:
        self.spool.append(batch.tables())
        self.spooled_batches += 1
        self.metrics.spooled_batches.inc()

    def _db_failed(self, exc: Exception) -> None:
        if self.db_ok:
            log.warning("database write failed, spooling until it returns: %s", exc)
        self.db_ok = False
        self.metrics.db_up.set(0)

    def _replay(self) -> None:
        """Write the spool to the database, oldest record first; stop at the first failure."""
        try:
            if not self.db_ok and self.reopen is not None:
                self._reconnect()
            if self.store is None:
                return
            for segment in self.spool.segments():
                by_table: dict[str, list[pa.Table]] = {}
                for tables in self.spool.records(segment):
                    for name, table in tables.items():
                        by_table.setdefault(name, []).append(table)
                for name in KINDS:  # one bulk write per table, the order of a direct commit
                    if name in by_table:
                        self.store.write_arrow(name, pa.concat_tables(by_table[name]))
                self.spool.remove(segment)
        except SpoolError:
            raise
        except Exception as exc:
            self._db_failed(exc)
            return
        if not self.db_ok:
            log.warning("database is back; spool replayed")
        self.db_ok = True
        self.metrics.db_up.set(1)

    def _reconnect(self) -> None:
        assert self.reopen is not None
        if self.store is not None:
            with contextlib.suppress(Exception):  # the old connection is gone anyway
                self.store.close()
            self.store = None
        self.store = self.reopen()

    def _final_replay(self) -> None:
        """On stop: one last attempt to empty the spool while the database is up (rows
        stay in it otherwise; the next start replays them)."""
        if self.db_ok and not self.spool.empty:
            try:
                self._replay()
            except SpoolError as exc:
                self.fatal = exc

    def _discard_queue(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is _STOP:
                return
