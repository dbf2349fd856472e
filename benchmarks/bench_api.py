"""Candle API throughput and latency, with wrk (Debian) as the load generator in another
process: one market's day of 1-minute candles (1,440 rows) from stored data, 64
connections, JSON vs CSV vs Parquet (and gzip), in three modes:
  on        the default: rendered bodies reused for 5 s (the response cache)
  off       response cache off; identical concurrent requests still share one render
  distinct  response cache off and every request different (worst case: each one reads
            1,440 rows from DuckDB and renders them)

    .venv/bin/python benchmarks/bench_api.py [--seconds 15] [--workers 1] [--quick]

Target (issue 12): p99 under 20 ms and at least 1,000 requests/s. Prints the machine's
load average before and after each run: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from kalshi_tape.api.server import free_port
from kalshi_tape.core.domain import Candlestick, QuoteOHLC, TradeOHLC
from kalshi_tape.core.money import Count, Price
from kalshi_tape.storage import CandleRecord, open_store

TICKER = "KXBENCH-26NOV20-B50.5"
DAY = datetime(2026, 11, 20, tzinfo=UTC)


def candles(rng: random.Random) -> list[CandleRecord]:
    """A realistic day: a random-walk quote, trades in a third of the minutes."""
    out, mid = [], 0.40
    for minute in range(1, 1441):
        mid = min(0.95, max(0.05, mid + rng.gauss(0, 0.004)))
        bid = Price(f"{round(mid - 0.01, 2):.4f}")
        ask = Price(f"{round(mid + 0.01, 2):.4f}")
        traded = rng.random() < 0.33
        last = Price(f"{round(mid, 2):.4f}")
        trade = TradeOHLC(last, last, last, last, last, last, last, last) if traded else TradeOHLC()
        out.append(
            CandleRecord(
                TICKER,
                1,
                "collector",
                Candlestick(
                    end_period_ts=int((DAY + timedelta(minutes=minute)).timestamp()),
                    yes_bid=QuoteOHLC(bid, bid, bid, bid),
                    yes_ask=QuoteOHLC(ask, ask, ask, ask),
                    price=trade,
                    volume=Count(f"{rng.randint(1, 40) if traded else 0}.00"),
                    open_interest=Count(f"{1000 + minute}.00"),
                ),
            )
        )
    return out


# Every request distinct (a different `start` before the day: the same 1,440 rows), so
# neither the response cache nor the coalescing of identical requests can help.
DISTINCT_LUA = """
math.randomseed(7)
request = function()
  local start = %d - math.random(0, 86399)
  return wrk.format(nil, wrk.path .. "&start=" .. start .. "s")
end
"""


def wrk(
    url: str, seconds: int, connections: int, gzip: bool, script: str | None = None
) -> dict[str, float]:
    cmd = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if gzip:
        cmd[1:1] = ["-H", "Accept-Encoding: gzip"]
    if script:
        cmd[1:1] = ["-s", script]
    text = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    pct = {
        p: _ms(m.group(2))
        for m in re.finditer(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", text, re.M)
        for p in [m.group(1)]
    }
    timeouts = re.search(r"timeout (\d+)", text)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "rps": rps,
        **{f"p{k}": v for k, v in pct.items()},
        "non2xx": float(errors.group(1)) if errors else 0.0,
        "timeouts": float(timeouts.group(1)) if timeouts else 0.0,
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def serve(db: str, port: int, cache_ttl: float, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KTAPE_API_RESPONSE_CACHE_TTL_S": str(cache_ttl)}
    cmd = [sys.executable, "-m", "kalshi_tape", "serve", "--db", db, "--port", str(port)]
    cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").is_success:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server did not start: {proc.stderr.read().decode() if proc.stderr else ''}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64, help="wrk -c (1: service time)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="3 s runs")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)")
        return 1
    seconds = 3 if args.quick else args.seconds
    formats = ("json", "json+gzip", "csv", "csv+gzip", "parquet")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        with open_store(f"duckdb:///{path}") as store:
            store.commit_chunk(candles=candles(random.Random(12)))
        db = f"duckdb:///{path}" + ("?read_only=true" if args.workers > 1 else "")
        print(
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
            f"{args.connections} connections, {seconds} s per run, {args.workers} worker(s)"
        )
        print(
            "| cache | format | body bytes | req/s | p50 ms | p90 ms | p99 ms | load before/after |"
        )
        print("|---|---|---|---|---|---|---|---|")
        script = Path(tmp) / "distinct.lua"
        script.write_text(DISTINCT_LUA % int(DAY.timestamp()))
        for ttl, mode in ((5.0, "on"), (0.0, "off"), (0.0, "distinct")):
            port = free_port()
            proc = serve(db, port, ttl, args.workers)
            try:
                for variant in formats:
                    fmt, gzip = variant.split("+")[0], variant.endswith("+gzip")
                    url = f"http://127.0.0.1:{port}/v1/candles/{TICKER}?period=1&format={fmt}&source=own"
                    headers = {"Accept-Encoding": "gzip" if gzip else "identity"}
                    body = httpx.get(url, headers=headers)
                    assert body.status_code == 200, body.text
                    if fmt == "json":
                        assert len(body.json()["candles"]) == 1440
                    size = int(body.headers["content-length"])
                    before = load()
                    distinct = str(script) if mode == "distinct" else None
                    result = wrk(url, seconds, args.connections, gzip, distinct)
                    print(
                        f"| {mode} | {variant} | {size:,} | "
                        f"{result['rps']:,.0f} | {result['p50']:.1f} | {result['p90']:.1f} | "
                        f"{result['p99']:.1f} | {before} -> {load()} |"
                        + (f" non-2xx {result['non2xx']:.0f}" if result["non2xx"] else "")
                        + (f" wrk timeouts {result['timeouts']:.0f}" if result["timeouts"] else ""),
                        flush=True,
                    )
            finally:
                proc.terminate()
                proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
