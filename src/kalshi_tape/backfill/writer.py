"""A batching writer: finished chunks wait briefly and are committed together.

Each chunk is a request's rows plus its checkpoint. Several chunks in one transaction
are still all-or-nothing, so resume stays exact, while the per-transaction overhead of
the warehouse is paid once per batch instead of once per request. Commits run on one
worker thread: the event loop keeps fetching while the database writes.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from kalshi_tape.domain import Trade
from kalshi_tape.storage import Store
from kalshi_tape.storage.records import BackfillProgress, CandleRecord

MAX_BATCH_ROWS = 50_000
MAX_PENDING_CHUNKS = 256  # fetchers wait beyond this: memory stays bounded


def _new_future() -> asyncio.Future[None]:
    return asyncio.get_running_loop().create_future()


@dataclass(slots=True)
class _Chunk:
    candles: list[CandleRecord]
    trades: list[Trade]
    progress: BackfillProgress
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def rows(self) -> int:
        return len(self.candles) + len(self.trades)


class BatchingWriter:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._pending: asyncio.Queue[_Chunk] = asyncio.Queue(MAX_PENDING_CHUNKS)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ktape-writer")
        self._task: asyncio.Task[None] | None = None
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
        self._thread.shutdown(wait=True)

    async def write(
        self,
        progress: BackfillProgress,
        *,
        candles: list[CandleRecord] | None = None,
        trades: list[Trade] | None = None,
    ) -> None:
        """Queue one chunk and wait until it is committed (or the commit failed)."""
        chunk = _Chunk(candles or [], trades or [], progress)
        await self._pending.put(chunk)
        await chunk.done

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._pending.get()]
            while not self._pending.empty() and sum(c.rows for c in batch) < MAX_BATCH_ROWS:
                batch.append(self._pending.get_nowait())
            try:
                await loop.run_in_executor(self._thread, self._commit, batch)
            except Exception as exc:  # hand the failure to every waiting job
                for chunk in batch:
                    chunk.done.set_exception(exc)
            else:
                for chunk in batch:
                    chunk.done.set_result(None)

    def _commit(self, batch: list[_Chunk]) -> None:
        self._store.commit_chunk(
            candles=[c for chunk in batch for c in chunk.candles],
            trades=[t for chunk in batch for t in chunk.trades],
            progress=[chunk.progress for chunk in batch],
        )
        self.commits += 1
