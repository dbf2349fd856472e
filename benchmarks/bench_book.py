"""Book rebuild benchmark: `rebuild_book` (what `ktape book` runs) on a large synthetic tape.

    .venv/bin/python benchmarks/bench_book.py [--deltas 5000000] [--markets 200] [--moments 40]

The tape (DuckDB, built with SQL in a temporary directory): `--deltas` deltas spread over
`--markets` markets, 1 ms apart on the received clock and stamped 20 ms earlier; a ticker
row every 20 deltas; an interval snapshot per market every 60 s; a sequence gap every
100,000 deltas, each followed by a reconnect's book snapshots and initial ticker snapshots
(every other one stamped an hour old, as a stale initial snapshot would be). Reports CPU
(process_time) and wall time per rebuild on each clock, at random moments and at moments
just after a reconnect; `--rebuild-from` times another copy of books/rebuild.py.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import random
import sys
import tempfile
import time
from collections.abc import Callable

from kalshi_tape.books import BookUnknown, rebuild_book
from kalshi_tape.storage import Store, open_store

T0 = 1_780_000_000_000_000_000  # ns
LOSS_EVERY = 100_000  # deltas between reconnects
Rebuild = Callable[..., object]


def _insert(store: Store, table: str, columns: str, select: str, *params: object) -> None:
    store.sql(f"INSERT INTO {table} ({columns}, ingested_at) {select}", params)


def build(store: Store, deltas: int, markets: int) -> None:
    ms = "(? + i * 1000000) // 1000000 - 20"  # a frame's stamp: 20 ms before it arrived
    _insert(
        store,
        "orderbook_deltas",
        "received_ns, sid, seq, market_ticker, exchange_ts_ms, side, price, delta, book_state",
        f"SELECT ? + i * 1000000, 1, i + 1, 'M' || (i % ?), {ms}, 'yes', "
        "0.01 * (1 + i % 90), 1, 'live', now() FROM range(?) t(i)",
        *(T0, markets, T0, deltas),
    )
    ticker = "market_ticker, received_ns, trigger, exchange_ts_ms"
    _insert(  # ticker rows, every 20 deltas, just after a delta
        store,
        "market_snapshots",
        ticker,
        f"SELECT 'M' || (i % ?), ? + i * 1000000 + 500, 'ticker', {ms}, now() "
        "FROM range(0, ?, 20) t(i)",
        *(markets, T0, T0, deltas),
    )
    snaps = (
        "SELECT 'M' || k AS mk, ? + i * 1000000 + ? + k AS r, ? AS trig "
        "FROM range(0, ?, ?) a(i), range(?) b(k)"
    )
    for trig, step, offset in (("interval", 60_000, 50_000), ("snapshot", LOSS_EVERY, 300)):
        params = (T0, offset, trig, deltas, step, markets)
        select = f"SELECT mk, r, trig, 1, 0, now() FROM ({snaps})"
        _insert(
            store,
            "market_snapshots",
            "market_ticker, received_ns, trigger, sid, seq",
            select,
            *params,
        )
        levels = f"SELECT mk, r, 'yes', 0.50, 100, 1, 0, now() FROM ({snaps})"
        columns = "market_ticker, received_ns, side, price, quantity, sid, seq"
        _insert(store, "orderbook_snapshots", columns, levels, *params)
    _insert(  # a gap just before each batch of reconnect snapshots
        store,
        "sequence_gaps",
        "received_ns, kind, sid, market_ticker, expected_seq, got_seq",
        "SELECT ? + i * 1000000 + 200, 'gap', 1, '', 0, 0, now() FROM range(?, ?, ?) t(i)",
        *(T0, LOSS_EVERY, deltas, LOSS_EVERY),
    )
    _insert(  # initial ticker snapshots after each batch: every other one an hour stale
        store,
        "market_snapshots",
        ticker,
        f"SELECT 'M' || k, ? + i * 1000000 + 600 + k, 'ticker', {ms} - ((k + 1) % 2) * 3600000, "
        "now() FROM range(?, ?, ?) a(i), range(?) b(k)",
        *(T0, T0, LOSS_EVERY, deltas, LOSS_EVERY, markets),
    )


def _moments(rng: random.Random, deltas: int, near_loss: bool) -> int:
    """A received-clock moment: anywhere, or within 50 ms after a reconnect."""
    if near_loss:
        i = rng.randrange(1, deltas // LOSS_EVERY) * LOSS_EVERY + rng.randrange(50)
    else:
        i = rng.randrange(deltas)
    return T0 + i * 1_000_000 + 700


def measure(rebuild: Rebuild, store: Store, args: argparse.Namespace) -> None:
    rng = random.Random(7)
    for clock, near_loss in itertools.product(("exchange", "received"), (False, True)):
        cpu0, wall0, unknown = time.process_time(), time.perf_counter(), 0
        for _ in range(args.moments):
            at = _moments(rng, args.deltas, near_loss) - (20_000_000 if clock == "exchange" else 0)
            try:
                rebuild(store, f"M{rng.randrange(args.markets)}", at, clock=clock)
            except BookUnknown:
                unknown += 1
        cpu = (time.process_time() - cpu0) / args.moments * 1000
        wall = (time.perf_counter() - wall0) / args.moments * 1000
        where = "after a reconnect" if near_loss else "anywhere"
        print(
            f"{clock:8} {where:17}: {args.moments} rebuilds, {cpu:.1f} ms CPU / {wall:.1f} ms "
            f"wall each, {unknown} unknown"
        )


def _rebuild(path: str | None) -> Rebuild:
    """rebuild_book, or the one defined in another copy of books/rebuild.py (a before run:
    `git show REV:src/kalshi_tape/books/rebuild.py > /tmp/old.py`)."""
    if path is None:
        return rebuild_book
    spec = importlib.util.spec_from_file_location("old_rebuild", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_rebuild"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    globals()["BookUnknown"] = module.BookUnknown
    return module.rebuild_book  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deltas", type=int, default=5_000_000)
    parser.add_argument("--markets", type=int, default=200)
    parser.add_argument("--moments", type=int, default=40)
    parser.add_argument("--rebuild-from", help="another rebuild.py to time")
    args = parser.parse_args()
    rebuild = _rebuild(args.rebuild_from)
    with tempfile.TemporaryDirectory() as tmp, open_store(f"duckdb:///{tmp}/b.duckdb") as store:
        start = time.perf_counter()
        build(store, args.deltas, args.markets)
        print(
            f"tape: {args.deltas:,} deltas, {args.markets} markets, built in "
            f"{time.perf_counter() - start:.1f} s"
        )
        measure(rebuild, store, args)


if __name__ == "__main__":
    main()
