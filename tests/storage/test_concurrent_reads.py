"""Reads take no lock: threads read in parallel while a writer commits, and see only
committed transactions (real DuckDB and PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from kalshi_tape.storage import Store

from .conftest import StoreFactory
from .samples import MARKETS, candle

BATCH = 60  # candles per committed transaction
BATCHES = 12


def _batch(index: int) -> list[object]:
    return [candle(MARKETS[0], index * BATCH + m + 1) for m in range(BATCH)]


def test_reads_do_not_wait_for_the_writer_lock(store_factory: StoreFactory) -> None:
    store = store_factory()
    store.commit_chunk(candles=_batch(0))  # type: ignore[arg-type]
    # the lock held: a writer in the middle of a commit
    with ThreadPoolExecutor(2) as pool, store._lock:  # type: ignore[attr-defined]
        counts = pool.submit(lambda: store.candles(market_ticker=MARKETS[0]).num_rows)
        rows = pool.submit(lambda: store.sql("SELECT count(*) FROM candles"))
        assert counts.result(timeout=5) == BATCH
        assert rows.result(timeout=5) == [(BATCH,)]


def test_concurrent_reads_while_writing_see_whole_transactions(
    store_factory: StoreFactory,
) -> None:
    store = store_factory()
    done = threading.Event()

    def write() -> None:
        for index in range(BATCHES):
            store.commit_chunk(candles=_batch(index))  # type: ignore[arg-type]
        done.set()

    def read() -> list[int]:
        seen: list[int] = []
        while True:
            finished = done.is_set()  # before the read: a read after it sees everything
            table = store.candles(market_ticker=MARKETS[0], period_minutes=1)
            assert table.num_rows % BATCH == 0, "a transaction was seen half-written"
            bids = table.column("yes_bid_open").to_pylist()
            assert all(str(b) == "0.123456" for b in bids)
            seen.append(table.num_rows)
            if finished:
                return seen

    with ThreadPoolExecutor(5) as pool:
        readers = [pool.submit(read) for _ in range(4)]
        pool.submit(write).result(timeout=120)
        results = [r.result(timeout=120) for r in readers]
    for seen in results:
        assert seen == sorted(seen), "a reader went back in time"
        assert seen[-1] == BATCH * BATCHES
    _assert_no_reader_writes(store)


def _assert_no_reader_writes(store: Store) -> None:
    """The read path runs only SELECTs; writes still go through a transaction."""
    store.sql("DELETE FROM candles")
    assert store.sql("SELECT count(*) FROM candles") == [(0,)]


@pytest.mark.postgres
def test_postgres_readers_are_read_only(pg_url: str) -> None:
    from kalshi_tape.storage import open_store

    with (
        open_store(pg_url) as store,
        store._reading() as reader,  # type: ignore[attr-defined]
        pytest.raises(Exception, match="read-only"),
    ):
        reader.execute("CREATE TABLE ktape_nope (a int)")
