"""Warehouse benchmark: bulk upsert of 1,000,000 candle rows vs a naive row-by-row baseline.

    .venv/bin/python benchmarks/bench_storage.py [--rows 1000000] [--skip-postgres]

For each backend (DuckDB file, PostgreSQL database created and dropped here):
  * bulk upsert of N fresh rows through `store.write_arrow` (the Arrow entry point),
  * the same N rows again (idempotent rewrite: nothing changes),
  * N rows of which 10% changed,
  * a naive baseline: one parameterized INSERT ... ON CONFLICT per row (in a single
    transaction), timed on a sample and extrapolated to rows/s.
Plus the domain -> Arrow converter (`arrowconv.candles_table`) on CandleRecord objects.
Candles are synthetic but shaped like the real ones: 1,000 markets x N/1,000 one-minute
periods, quotes always present, a trade in ~30% of the periods (price fields NULL otherwise).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.compute as pc

from kalshi_tape.core.domain import Candlestick, QuoteOHLC, TradeOHLC
from kalshi_tape.core.money import Count, Price
from kalshi_tape.storage import CandleRecord, Store, arrowconv, open_store, schema

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
START_TS = 1_786_000_000 - 1_786_000_000 % 60
MARKETS = 1_000


def synthetic_candles(rows: int, seed: int = 7) -> pa.Table:
    """`rows` candles as an Arrow table shaped like the warehouse's `candles`."""
    rng = random.Random(seed)
    per_market = rows // MARKETS
    tickers, ends, bids, asks, traded, volumes = [], [], [], [], [], []
    for m in range(MARKETS):
        bid = rng.randint(5, 90)
        for k in range(per_market):
            bid = min(97, max(1, bid + rng.choice((-1, 0, 0, 1))))
            tickers.append(f"KXHIGHNY-26AUG{m // 100:02d}-B{m % 100}.5")
            ends.append((START_TS + 60 * (k + 1)) * 1_000_000)
            bids.append(f"0.{bid:02d}")
            asks.append(f"0.{bid + rng.randint(1, 2):02d}")
            hit = rng.random() < 0.3
            traded.append(f"0.{bid + 1:02d}" if hit else None)
            volumes.append(f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}" if hit else "0.00")
    price = pa.decimal128(10, 6)
    bid_col = pc.cast(pa.array(bids), price)
    ask_col = pc.cast(pa.array(asks), price)
    trade_col = pc.cast(pa.array(traded, pa.string()), price)
    columns: dict[str, Any] = {
        "market_ticker": pa.array(tickers),
        "period_minutes": pa.array([1] * len(tickers), pa.int32()),
        "source": pa.array(["kalshi"] * len(tickers)),
        "end_period_ts": pa.array(ends, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
    }
    for side, col in (("yes_bid", bid_col), ("yes_ask", ask_col)):
        for part in ("open", "high", "low", "close"):
            columns[f"{side}_{part}"] = col
    for part in ("open", "high", "low", "close", "mean", "min", "max"):
        columns[f"price_{part}"] = trade_col
    columns["price_previous"] = bid_col
    columns["volume"] = pc.cast(pa.array(volumes), pa.decimal128(18, 2))
    columns["open_interest"] = pc.cast(pa.array(volumes), pa.decimal128(18, 2))
    names = [c for c in schema.CANDLES.column_names if c != schema.INGESTED_AT]
    return pa.table({name: columns[name] for name in names})


def with_changes(data: pa.Table, every: int = 10) -> pa.Table:
    """Every `every`-th row gets a different volume."""
    flags = pa.array([i % every == 0 for i in range(data.num_rows)])
    bumped = pc.add(data.column("volume"), pa.scalar(1, pa.decimal128(18, 2)))
    volume = pc.if_else(flags, bumped, data.column("volume")).cast(pa.decimal128(18, 2))
    return data.set_column(data.schema.get_field_index("volume"), "volume", volume)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def naive_baseline(store: Store, sample: pa.Table, *, autocommit: bool) -> float:
    """Rows/s of one parameterized INSERT ... ON CONFLICT DO UPDATE per row: all rows in one
    transaction, or (`autocommit`) each row in its own."""
    table = schema.CANDLES
    names = table.column_names
    values = table.value_columns
    marks = ", ".join([store.placeholder] * len(names))
    sql = (
        f"INSERT INTO candles ({', '.join(names)}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(table.primary_key)}) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in (*values, schema.INGESTED_AT))
    )
    stamped = arrowconv.with_ingested_at(sample, store._now())  # type: ignore[attr-defined]
    rows = [tuple(r[c] for c in names) for r in stamped.to_pylist()]

    def insert(batch: list[tuple[Any, ...]]) -> Callable[[], None]:
        def run() -> None:
            for row in batch:
                store._execute(sql, row)  # type: ignore[attr-defined]

        return run

    def insert_rows() -> None:
        if autocommit:
            for row in rows:
                store._run(insert([row]))  # type: ignore[attr-defined]
        else:
            store._run(insert(rows))  # type: ignore[attr-defined]

    seconds = timed(insert_rows)
    store.sql("DELETE FROM candles")
    return len(rows) / seconds


def bench_backend(label: str, url: str, data: pa.Table, baseline_rows: int) -> list[str]:
    lines = []
    n = data.num_rows
    changed = with_changes(data)
    with open_store(url) as store:
        fresh = timed(lambda: store.write_arrow("candles", data))
        again = timed(lambda: store.write_arrow("candles", data))
        partly = timed(lambda: store.write_arrow("candles", changed))
        assert store.count("candles") == n
        store.sql("DELETE FROM candles")
        naive = naive_baseline(store, data.slice(0, baseline_rows), autocommit=False)
        naive_ac = naive_baseline(store, data.slice(0, baseline_rows // 2), autocommit=True)
    bulk = n / fresh
    lines.append(f"| {label} | bulk upsert, {n:,} fresh rows | {fresh:.2f} s | {bulk:,.0f} |")
    lines.append(f"| {label} | same rows again (no change) | {again:.2f} s | {n / again:,.0f} |")
    lines.append(f"| {label} | rows again, 10% changed | {partly:.2f} s | {n / partly:,.0f} |")
    lines.append(
        f"| {label} | naive row-by-row, one transaction ({baseline_rows:,}-row sample, "
        f"extrapolated) | {n / naive:.0f} s (est.) | {naive:,.0f} |"
    )
    lines.append(
        f"| {label} | naive row-by-row, a commit per row ({baseline_rows // 2:,}-row sample, "
        f"extrapolated) | {n / naive_ac:.0f} s (est.) | {naive_ac:,.0f} |"
    )
    lines.append(
        f"| {label} | **speed-up bulk / naive** (one transaction; commit per row) | "
        f"| **{bulk / naive:.0f}x; {bulk / naive_ac:.0f}x** |"
    )
    return lines


def bench_converter(rows: int) -> str:
    q = QuoteOHLC(Price("0.41"), Price("0.44"), Price("0.40"), Price("0.43"))
    t = TradeOHLC(Price("0.42"), Price("0.43"), Price("0.42"), Price("0.43"), Price("0.4250"))
    records = [
        CandleRecord(
            f"KXHIGHNY-26AUG08-B{i % 1000}",
            1,
            "kalshi",
            Candlestick(START_TS + 60 * (i // 1000 + 1), q, q, t, Count("12.50"), Count("100")),
        )
        for i in range(rows)
    ]
    seconds = timed(lambda: arrowconv.candles_table(records))
    what = f"domain -> Arrow (`candles_table`), {rows:,} CandleRecords"
    return f"| any | {what} | {seconds:.2f} s | {rows / seconds:,.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    data = synthetic_candles(args.rows)
    print(f"generated {data.num_rows:,} candle rows in {time.perf_counter() - started:.1f} s")
    lines = ["| Backend | Operation | Time | Rows/s |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"duckdb:///{Path(tmp) / 'bench.duckdb'}"
        lines += bench_backend("DuckDB", url, data, baseline_rows=1_000)
    if not args.skip_postgres:
        name = f"ktape_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
            try:
                url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
                lines += bench_backend("PostgreSQL", url, data, baseline_rows=4_000)
            finally:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    lines.append(bench_converter(min(args.rows, 200_000)))
    print("\n".join(lines))
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
