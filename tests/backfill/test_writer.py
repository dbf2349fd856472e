"""The batching writer settles every chunk once, also on failure and cancellation."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from kalshi_tape.backfill.writer import BatchingWriter
from kalshi_tape.core.errors import StorageError
from kalshi_tape.storage import open_store
from kalshi_tape.storage.records import BackfillProgress


def checkpoint(key: str) -> BackfillProgress:
    return BackfillProgress(task_key=key, kind="test", rows=0, requests=1, detail="")


def test_chunks_commit_together_and_all_checkpoints_land(tmp_path: Path) -> None:
    async def go() -> int:
        with open_store(f"duckdb:///{tmp_path / 'w.duckdb'}") as store:
            async with BatchingWriter(store) as writer:
                await asyncio.gather(*(writer.write(checkpoint(f"k{i}")) for i in range(50)))
                assert store.finished_tasks("k") == {f"k{i}" for i in range(50)}
                return writer.commits

    commits = asyncio.run(go())
    assert 1 <= commits < 50, "chunks that wait together commit together"


def test_a_cancelled_waiter_does_not_stop_the_writer(tmp_path: Path) -> None:
    async def go() -> set[str]:
        with open_store(f"duckdb:///{tmp_path / 'c.duckdb'}") as store:
            async with BatchingWriter(store) as writer:
                first = asyncio.create_task(writer.write(checkpoint("a")))
                await asyncio.sleep(0)  # queued, maybe committing
                first.cancel()
                await asyncio.gather(first, return_exceptions=True)
                await asyncio.wait_for(writer.write(checkpoint("b")), timeout=10)
            return store.finished_tasks("")

    assert "b" in asyncio.run(go())


def test_a_failed_commit_fails_its_chunks_and_the_writer_goes_on(tmp_path: Path) -> None:
    class Flaky:
        def __init__(self, store: object) -> None:
            self.store = store
            self.calls = 0

        def commit_chunk(self, **chunk: object) -> int:
            self.calls += 1
            if self.calls == 1:
                raise StorageError("disk full")
            return self.store.commit_chunk(**chunk)  # type: ignore[attr-defined, no-any-return]

    async def go() -> set[str]:
        with open_store(f"duckdb:///{tmp_path / 'f.duckdb'}") as store:
            async with BatchingWriter(Flaky(store)) as writer:  # type: ignore[arg-type]
                with pytest.raises(StorageError, match="disk full"):
                    await writer.write(checkpoint("lost"))
                await asyncio.wait_for(writer.write(checkpoint("kept")), timeout=10)
            return store.finished_tasks("")

    assert asyncio.run(go()) == {"kept"}


def test_writes_after_the_writer_stopped_are_refused(tmp_path: Path) -> None:
    async def go() -> None:
        with open_store(f"duckdb:///{tmp_path / 's.duckdb'}") as store:
            writer = BatchingWriter(store)
            async with writer:
                pass
            with pytest.raises(StorageError, match="not running"):
                await writer.write(checkpoint("late"))

    asyncio.run(go())


class _Held:
    """A real store whose first commit waits on the writer thread until released, so a
    test can stop the writer while that commit runs (no timing involved)."""

    def __init__(self, store: object) -> None:
        self.store = store
        self.entered, self.release = threading.Event(), threading.Event()

    def commit_chunk(self, **chunk: object) -> int:
        self.entered.set()
        assert self.release.wait(60), "never released"
        return self.store.commit_chunk(**chunk)  # type: ignore[attr-defined, no-any-return]

    async def running(self) -> None:
        assert await asyncio.to_thread(self.entered.wait, 60), "no commit started"

    def release_after_stop(self) -> None:
        """Release once the writer's stop (cancellation) has been delivered: this callback
        runs after the `async with` exit has cancelled the writer's task."""
        asyncio.get_running_loop().call_soon(self.release.set)


def test_stopping_during_a_commit_reports_its_true_outcome(tmp_path: Path) -> None:
    async def go() -> tuple[BaseException | None, set[str]]:
        with open_store(f"duckdb:///{tmp_path / 'm.duckdb'}") as store:
            held = _Held(store)
            writer = BatchingWriter(held, max_pending_chunks=1)  # type: ignore[arg-type]
            async with writer:
                job = asyncio.create_task(writer.write(checkpoint("mid")))
                await held.running()
                held.release_after_stop()
            (outcome,) = await asyncio.gather(job, return_exceptions=True)
            return outcome, store.finished_tasks("")

    outcome, finished = asyncio.run(go())
    assert outcome is None and finished == {"mid"}, "committed, and reported as committed"


def test_writers_waiting_for_room_are_released_when_the_writer_stops(tmp_path: Path) -> None:
    async def go() -> tuple[list[BaseException | None], set[str]]:
        with open_store(f"duckdb:///{tmp_path / 'q.duckdb'}") as store:
            held = _Held(store)
            writer = BatchingWriter(held, max_pending_chunks=1)  # type: ignore[arg-type]
            async with writer:
                jobs = [asyncio.create_task(writer.write(checkpoint(f"k{i}"))) for i in range(4)]
                await held.running()  # k0 commits, k1 is queued, k2 and k3 wait for room
                held.release_after_stop()
            done = await asyncio.wait_for(asyncio.gather(*jobs, return_exceptions=True), 60)
            return list(done), store.finished_tasks("")

    outcomes, finished = asyncio.run(go())
    assert outcomes[0] is None and finished == {"k0"}, "every waiter settled; none hangs"
    assert all(isinstance(o, StorageError) and "stopped" in str(o) for o in outcomes[1:])
