"""A batching writer: finished chunks wait briefly and are committed together.

Each chunk is a request's rows plus, when its data can no longer change, its checkpoint.
Several chunks in one transaction are still all-or-nothing, so resume stays exact, while
the warehouse's per-transaction cost is paid once per batch instead of once per request.
Commits run on one worker thread: the event loop keeps fetching while the database writes.

Every queued chunk is settled exactly once: committed, failed with the commit's error, or
failed because the writer stopped. A caller cancelled while waiting does not disturb the
commit of its chunk or of the chunks batched with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from kalshi_tape.core.domain import Trade
from kalshi_tape.core.errors import StorageError
from kalshi_tape.settings.backfill import BackfillModel
from kalshi_tape.storage import Store
from kalshi_tape.storage.records import BackfillProgress, CandleRecord

DEFAULTS = BackfillModel()


def _new_future() -> asyncio.Future[None]:
    return asyncio.get_running_loop().create_future()


@dataclass(slots=True)
class _Chunk:
    candles: list[CandleRecord]
    trades: list[Trade]
    progress: BackfillProgress | None
    coverage: Sequence[BackfillProgress] = ()  # coverage records committed with it
    done: asyncio.Future[None] = field(default_factory=_new_future)

    @property
    def rows(self) -> int:
        return len(self.candles) + len(self.trades)

    def settle(self, error: BaseException | None) -> None:
        if self.done.done():
            return
        if error is None:
            self.done.set_result(None)
        else:
            self.done.set_exception(error)
            self.done.exception()  # retrieved: its waiter may have been cancelled meanwhile


class BatchingWriter:
    def __init__(
        self,
        store: Store,
        max_batch_rows: int = DEFAULTS.max_batch_rows,
        max_pending_chunks: int = DEFAULTS.max_pending_chunks,
    ) -> None:
        """`max_pending_chunks`: fetchers wait beyond this, so memory stays bounded."""
        self._store = store
        self._max_batch_rows = max_batch_rows
        self._pending: asyncio.Queue[_Chunk] = asyncio.Queue(max_pending_chunks)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ktape-writer")
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        self.commits = 0

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._stop()  # also when the task was cancelled before it ever ran
        await asyncio.to_thread(self._thread.shutdown, True)

    async def write(
        self,
        progress: BackfillProgress | None,
        *,
        candles: list[CandleRecord] | None = None,
        trades: list[Trade] | None = None,
        coverage: Sequence[BackfillProgress] = (),
    ) -> None:
        """Queue one chunk and wait until it is committed; raise if its commit failed."""
        if self._task is None or self._stopped:
            raise StorageError("the backfill writer is not running")
        chunk = _Chunk(candles or [], trades or [], progress, coverage)
        await self._pending.put(chunk)
        if self._stopped:  # stopped while we waited for room: nobody will take it
            chunk.settle(_stopped())
        await asyncio.shield(chunk.done)

    async def _run(self) -> None:
        try:
            while True:
                batch = [await self._pending.get()]
                while (
                    not self._pending.empty() and sum(c.rows for c in batch) < self._max_batch_rows
                ):
                    batch.append(self._pending.get_nowait())
                await self._commit_batch(batch)
        finally:
            self._stop()

    def _stop(self) -> None:
        """No more commits: fail what is queued; writers still waiting for room fail
        their own chunk once they get in (see `write`)."""
        self._stopped = True
        while not self._pending.empty():
            self._pending.get_nowait().settle(_stopped())

    async def _commit_batch(self, batch: list[_Chunk]) -> None:
        """Commit on the writer thread and settle the chunks with the true outcome, also
        when the writer is stopped while the commit runs."""
        commit = asyncio.get_running_loop().run_in_executor(self._thread, self._commit, batch)
        try:
            await asyncio.shield(commit)
        except asyncio.CancelledError:
            _settle_all(batch, await _outcome(commit))
            raise
        except Exception as exc:
            _settle_all(batch, exc)
        else:
            _settle_all(batch, None)

    def _commit(self, batch: list[_Chunk]) -> None:
        self._store.commit_chunk(
            candles=[c for chunk in batch for c in chunk.candles],
            trades=[t for chunk in batch for t in chunk.trades],
            progress=[p for chunk in batch for p in _checkpoints(chunk)],
        )
        self.commits += 1


def _checkpoints(chunk: _Chunk) -> list[BackfillProgress]:
    head = [] if chunk.progress is None else [chunk.progress]
    return [*head, *chunk.coverage]


def _stopped() -> StorageError:
    return StorageError("the backfill writer stopped before this chunk was committed")


def _settle_all(batch: list[_Chunk], error: BaseException | None) -> None:
    for chunk in batch:
        chunk.settle(error)


async def _outcome(commit: asyncio.Future[None]) -> BaseException | None:
    try:
        await commit
    except Exception as exc:
        return exc
    return None
