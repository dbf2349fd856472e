"""Distinct uncached candle requests (issue 20): every request a different market and day
of 1-minute candles (1,440 rows), response cache off, wrk with 64 connections against
`ktape serve` on DuckDB or PostgreSQL, one process or `--workers N`.

    .venv/bin/python benchmarks/bench_api_distinct.py [--db duckdb|postgresql]
        [--workers 1] [--seconds 10] [--markets 40] [--days 5] [--format json]

PostgreSQL: a fresh database on `--pg-admin` (default postgresql://postgres@127.0.0.1:5432/
postgres), dropped afterwards. Target: >= 1,000 req/s with p99 < 50 ms on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pyarrow as pa
import pyarrow.compute as pc

from bench_api import DAY, candles, load, serve, wrk
from kalshi_tape.api.server import free_port
from kalshi_tape.storage import arrowconv, open_store

LUA = """
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, paths[(n * 7919 + math.random(0, #paths)) %% #paths + 1])
end
"""


def day_table(market: int, day: int, base: pa.Table) -> pa.Table:
    ticker = f"KXBENCH-M{market:03d}"
    shift = pa.scalar(day * 86_400_000_000, pa.duration("us"))
    ts = pc.add(base.column("end_period_ts"), shift)
    table = base.set_column(0, "market_ticker", pa.array([ticker] * base.num_rows))
    return table.set_column(table.column_names.index("end_period_ts"), "end_period_ts", ts)


def paths(markets: int, days: int, fmt: str) -> list[str]:
    out = []
    for market in range(markets):
        for day in range(days):
            start = int(DAY.timestamp()) + day * 86_400 + 60
            end = start + 86_400 - 60
            out.append(
                f"/v1/candles/KXBENCH-M{market:03d}?period=1&format={fmt}"
                f"&source=own&start={start}s&end={end}s"
            )
    return out


@contextmanager
def warehouse(kind: str, tmp: str, admin: str) -> Iterator[str]:
    if kind == "duckdb":
        yield f"duckdb:///{Path(tmp) / 'distinct.duckdb'}"
        return
    name = f"ktape_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
        try:
            yield admin.rpartition("/")[0] + f"/{name}"
        finally:
            con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def fill(url: str, markets: int, days: int) -> None:
    base = arrowconv.candles_table(candles(random.Random(12)))
    with open_store(url) as store:
        for market in range(markets):
            parts = [day_table(market, day, base) for day in range(days)]
            store.write_arrow("candles", pa.concat_tables(parts))


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU of a process and its children (uvicorn's workers), from /proc."""
    user = system = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            u, s = cpu_seconds(int(child))
            user, system = user + u, system + s
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    tick = os.sysconf("SC_CLK_TCK")
    return user + int(fields[11]) / tick, system + int(fields[12]) / tick


def check(port: int, path: str) -> None:
    """One request of the run, before it: a day of candles, 200 (a 4xx would be measured
    as fast as nothing)."""
    answer = httpx.get(f"http://127.0.0.1:{port}{path}", headers={"Accept-Encoding": "identity"})
    assert answer.status_code == 200, answer.text[:300]
    if "format=json" in path:
        assert len(answer.json()["candles"]) == 1440


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("duckdb", "postgresql"), default="duckdb")
    parser.add_argument("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--markets", type=int, default=40)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--format", default="json")
    parser.add_argument("--gzip", action="store_true", help="wrk sends Accept-Encoding: gzip")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, warehouse(args.db, tmp, args.pg_admin) as url:
        fill(url, args.markets, args.days)
        script = Path(tmp) / "distinct.lua"
        listed = paths(args.markets, args.days, args.format)
        script.write_text(LUA % ", ".join(f'"{p}"' for p in listed))
        served = url + ("?read_only=true" if args.db == "duckdb" and args.workers > 1 else "")
        port = free_port()
        proc = serve(served, port, 0.0, args.workers)
        try:
            check(port, listed[-1])
            before, cpu = load(), cpu_seconds(proc.pid)
            result = wrk(
                f"http://127.0.0.1:{port}/", args.seconds, args.connections, args.gzip, str(script)
            )
            after = cpu_seconds(proc.pid)
            user, system = after[0] - cpu[0], after[1] - cpu[1]
        finally:
            proc.terminate()
            proc.wait(10)
        served = result["rps"] * args.seconds
        print(
            f"| {datetime.now(UTC):%Y-%m-%d %H:%M} | {args.db} | {args.workers} "
            f"| {args.format}{'+gzip' if args.gzip else ''} "
            f"| {len(listed)} | {result['rps']:,.0f} | {result['p50']:.1f} | {result['p99']:.1f} "
            f"| {1000 * user / max(served, 1):.2f} + {1000 * system / max(served, 1):.2f} "
            f"| {result['non2xx']:.0f} "
            f"| {before} -> {load()} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
