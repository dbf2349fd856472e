"""Collector throughput into DuckDB and PostgreSQL.

    .venv/bin/python benchmarks/bench_collect.py --mode replay --seconds 600
    .venv/bin/python benchmarks/bench_collect.py --mode sim --seconds 60 --speed 3600

`replay` (capacity): 12 exchange hours of WebSocket frames are captured once from the
simulator (every open market: orderbook_delta, ticker, trade), then replayed as fast as the
collector takes them through the collector's own pipeline — `FeedState` (parse, sequence
checks, books) -> `Recorder` -> `CollectorWriter` (batches, one transaction each) -> the
warehouse; each pass starts like a reconnect (books from the captured snapshots).
`sim` (end to end): a `ktape sim` subprocess at `--speed` -> `Collector.run()` over the
WebSocket; bounded by what the simulator generates on this machine.
`feed` (the collector's own ceiling over a real socket): the captured frames served by the
replay feeder (`kalshi_tape.sim.replay`, its own process) as fast as the collector reads
them -> `Collector.run()` over the WebSocket -> the warehouse. `feeder`: the feeder alone,
read by a raw socket client that only counts bytes (frames/s the feeder can give).

Reports sustained messages/s, rows/s written, write lag p50/p99 (commit time - receive
time, every row) and RSS over the run. PostgreSQL: a fresh database on 127.0.0.1:5432
(KTAPE_TEST_PG), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import cast

import httpx
import psycopg

from kalshi_tape.client.stream.connection import ConnectionOptions
from kalshi_tape.collector import Collector
from kalshi_tape.core.serving import free_port
from kalshi_tape.settings.collector import CollectorConfig
from kalshi_tape.settings.shared import Settings
from kalshi_tape.storage import open_store

PG_ADMIN = os.environ.get("KTAPE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
FLUSH_S = 0.25  # storage.flush_interval_seconds for the runs
LEAN = True  # feed mode: the lean frame reader (--plain-reader: websockets' own)
RATE = 0.0  # feed mode: frames/s the feeder offers (0: as fast as the collector reads)
MAX_BATCHES = 0  # > 0: the writer's queue depth (batches waiting before backpressure)
SERIES = ("KXHIGHNY", "KXHIGHCHI", "KXHIGHMIA", "KXHIGHAUS", "KXHIGHDEN")


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def _run(url: str, base_url: str, seconds: float, spool: Path) -> dict[str, object]:
    store = open_store(url)
    config = CollectorConfig(
        settings=Settings(base_url=base_url, tier="unlimited"),
        series=SERIES,
        interval_seconds=10,
        flush_interval_seconds=FLUSH_S,
        trade_sweep_seconds=30,
        spool_dir=spool,
    )
    collector = Collector(config, store, rng=random.Random(1))
    task = asyncio.create_task(collector.run())
    while collector.feed is None:  # discovery
        if task.done():
            task.result()
        await asyncio.sleep(0.5)
    await asyncio.sleep(5)  # warm up: subscriptions, first snapshots
    frames0, rows0, t0 = (
        collector.feed.stats.frames,
        collector.metrics.rows_written._value.get(),
        time.monotonic(),
    )
    collector.writer.lag = type(collector.writer.lag)()
    rss = []
    while time.monotonic() - t0 < seconds:
        await asyncio.sleep(5)
        rss.append(round(_rss_mb(), 1))
    elapsed = time.monotonic() - t0
    frames = collector.feed.stats.frames - frames0
    rows = collector.metrics.rows_written._value.get() - rows0
    p50, p99 = collector.writer.lag.percentiles(50, 99)
    collector.stop()
    await task
    store.close()
    return {
        "backend": url.split(":")[0],
        "seconds": round(elapsed, 1),
        "messages_per_s": round(frames / elapsed),
        "rows_per_s": round(rows / elapsed),
        "lag_p50_s": round(p50, 3),
        "lag_p99_s": round(p99, 3),
        "rss_mb_first_last_max": [rss[0], rss[-1], max(rss)] if rss else [],
        "spooled_batches": collector.writer.spooled_batches,
        "gaps": collector.feed.stats.gaps,
    }


def _capture(port: int) -> tuple[list[str], list[bytes]]:
    """Open markets and 12 exchange hours of data frames from a frozen simulator."""
    import websockets.sync.client as ws_client

    base = f"http://127.0.0.1:{port}"
    body = httpx.get(f"{base}/trade-api/v2/markets", params={"status": "open", "limit": 1000})
    tickers = sorted(m["ticker"] for m in body.json()["markets"])
    frames: list[bytes] = []
    with ws_client.connect(f"ws://127.0.0.1:{port}/trade-api/ws/v2", max_size=None) as ws:
        for i, channel in enumerate(("orderbook_delta", "ticker", "trade"), 1):
            params = {"channels": [channel], "market_tickers": tickers}
            ws.send(json.dumps({"id": i, "cmd": "subscribe", "params": params}))
        time.sleep(1)
        httpx.post(f"{base}/_sim/clock", json={"advance_s": 12 * 3600}, timeout=300)
        while True:
            try:
                frame = ws.recv(timeout=3)
            except TimeoutError:
                break
            data = frame.encode() if isinstance(frame, str) else frame
            if b'"type":"orderbook_' in data or b'"type":"t' in data:
                frames.append(data)
    return tickers, frames


async def _replay(
    url: str, tickers: list[str], frames: list[bytes], seconds: float, spool: Path, rate: float
) -> dict[str, object]:
    from kalshi_tape.client.stream import Connected, Disconnected, FeedState
    from kalshi_tape.core.clock import SYSTEM_CLOCK

    store = open_store(url)
    config = CollectorConfig(
        settings=Settings(), series=SERIES, spool_dir=spool, flush_interval_seconds=FLUSH_S
    )
    collector = Collector(config, store, rng=random.Random(1))
    writer, recorder = collector.writer, collector.recorder
    writer.start()
    clock = SYSTEM_CLOCK
    rss: list[float] = []
    processed, passes = 0, 0
    t0 = last_flush = last_rss = time.monotonic()
    rows0 = collector.metrics.rows_written._value.get()
    while time.monotonic() - t0 < seconds:
        state = FeedState(tickers, ("orderbook_delta", "ticker", "trade"), clock=clock)
        state.on_connected(Connected("replay", passes > 0, 1, clock.now_ns()))
        for i, frame in enumerate(frames):
            for event in state.handle_frame(frame, clock.now_ns()):
                recorder.handle(event, state)
            if i % 500 == 0:
                now = time.monotonic()
                ahead = t0 + (processed + i) / rate - now if rate else 0.0
                if ahead > 0:  # paced: no faster than `rate` messages/s
                    await asyncio.sleep(ahead)
                    now = time.monotonic()
                if writer.due or now - last_flush >= config.flush_interval_seconds:
                    last_flush = now
                    await writer.flush()
                if now - last_rss >= 5:
                    last_rss = now
                    rss.append(round(_rss_mb(), 1))
                if now - t0 >= seconds:
                    processed += i
                    break
        else:
            processed += len(frames)
        state.on_disconnected(Disconnected("replay pass done", clock.now_ns()))
        passes += 1
    elapsed = time.monotonic() - t0
    await writer.close()
    rows = collector.metrics.rows_written._value.get() - rows0
    p50, p99 = writer.lag.percentiles(50, 99)
    store.close()
    return {
        "mode": "replay",
        "rate_target": rate,
        "flush_interval_s": FLUSH_S,
        "backend": url.split(":")[0],
        "seconds": round(elapsed, 1),
        "frames_per_pass": len(frames),
        "passes": passes,
        "messages_per_s": round(processed / elapsed),
        "rows_per_s": round(rows / elapsed),
        "lag_p50_s": round(p50, 3),
        "lag_p99_s": round(p99, 3),
        "rss_mb_first_last_max": [rss[0], rss[-1], max(rss)] if rss else [],
        "backpressure_waits": collector.metrics.backpressure._value.get(),
        "spooled_batches": writer.spooled_batches,
    }


def _start_feeder(
    frames: list[bytes], passes: int, tmp: str, rate: float = 0.0
) -> tuple[subprocess.Popen[str], str]:
    path = Path(tmp) / "frames.txt"
    path.write_bytes(b"\n".join(frames))
    port = free_port()
    script = Path(__file__).with_name("feeder.py")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(path), str(passes), str(port), str(rate)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc, f"ws://127.0.0.1:{port}/trade-api/ws/v2"


def _feeder_alone(frames: list[bytes], passes: int) -> dict[str, object]:
    """Frames/s the feeder writes to a client that only counts bytes."""
    import socket

    payload = sum(len(f) for f in frames) * passes
    header = sum(2 if len(f) < 126 else 4 if len(f) < 65536 else 10 for f in frames) * passes
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = _start_feeder(frames, passes, tmp)
        try:
            port = int(url.split(":")[2].split("/")[0])
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(
                b"GET /trade-api/ws/v2 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                b"Sec-WebSocket-Version: 13\r\n\r\n"
            )
            response = b""
            while b"\r\n\r\n" not in response:
                response += sock.recv(4096)
            body = json.dumps(
                {"id": 1, "cmd": "subscribe", "params": {"channels": ["orderbook_delta"]}}
            )
            data = body.encode()
            sock.sendall(bytes((0x81, 0x80 | len(data))) + b"\0\0\0\0" + data)
            received, t0 = len(response.split(b"\r\n\r\n", 1)[1]), time.monotonic()
            while received < payload + header:
                chunk = sock.recv(1 << 20)
                if not chunk:
                    break
                received += len(chunk)
            elapsed = time.monotonic() - t0
            sock.close()
        finally:
            proc.kill()
            proc.wait()
    return {
        "mode": "feeder",
        "frames": len(frames) * passes,
        "seconds": round(elapsed, 2),
        "frames_per_s": round(len(frames) * passes / elapsed),
        "mb_per_s": round(received / elapsed / 2**20, 1),
    }


async def _fed(
    url: str, base_url: str, ws_url: str, seconds: float, spool: Path
) -> dict[str, object]:
    """The collector over the WebSocket from the feeder, as fast as it reads."""
    store = open_store(url)
    config = CollectorConfig(
        settings=Settings(base_url=base_url, ws_url=ws_url, tier="unlimited"),
        series=SERIES,
        interval_seconds=10,
        flush_interval_seconds=FLUSH_S,
        trade_sweep_seconds=3600,
        spool_dir=spool,
    )
    options = ConnectionOptions(lean_reader=LEAN)
    collector = Collector(config, store, rng=random.Random(1), connection=options)
    if MAX_BATCHES:
        collector.writer._queue.maxsize = MAX_BATCHES
    task = asyncio.create_task(collector.run())
    while collector.feed is None or collector.feed.stats.frames < 1000:
        if task.done():
            task.result()
        await asyncio.sleep(0.2)
    feed = collector.feed
    frames0, rows0, t0 = (
        feed.stats.frames,
        collector.metrics.rows_written._value.get(),
        time.monotonic(),
    )
    collector.writer.lag = type(collector.writer.lag)()
    rss: list[float] = []
    cpu0 = time.process_time()
    while time.monotonic() - t0 < seconds:
        await asyncio.sleep(2)
        rss.append(round(_rss_mb(), 1))
    elapsed, cpu = time.monotonic() - t0, time.process_time() - cpu0
    frames = feed.stats.frames - frames0
    rows = collector.metrics.rows_written._value.get() - rows0
    p50, p99 = collector.writer.lag.percentiles(50, 99)
    collector.stop()
    await task
    store.close()
    return {
        "mode": "feed",
        "flush_interval_s": FLUSH_S,
        "lean_reader": LEAN,
        "rate_offered": RATE,
        "max_batches": collector.writer._queue.maxsize,
        "backend": url.split(":")[0],
        "seconds": round(elapsed, 1),
        "messages_per_s": round(frames / elapsed),
        "rows_per_s": round(rows / elapsed),
        "collector_cpu_s_per_s": round(cpu / elapsed, 2),
        "cpu_us_per_msg": round(cpu / frames * 1e6, 1),  # all threads of the collector
        "one_core_msg_per_s": round(frames / cpu),  # the ceiling that CPU cost implies
        "lag_p50_s": round(p50, 3),
        "lag_p99_s": round(p99, 3),
        "rss_mb_first_last_max": [rss[0], rss[-1], max(rss)] if rss else [],
        "gaps": feed.stats.gaps,
        "backpressure_waits": collector.metrics.backpressure._value.get(),
        "spooled_batches": collector.writer.spooled_batches,
    }


def _wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=2).raise_for_status()
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _one(
    args: argparse.Namespace, url: str, tmp: str, data: dict[str, object]
) -> dict[str, object]:
    spool = Path(tmp) / "spool"
    if args.mode == "feed":
        frames = cast(list[bytes], data["frames"])
        passes = max(1, int(args.seconds * 200_000 / len(frames)) + 1)
        proc, ws_url = _start_feeder(frames, passes, tmp, args.rate)
        try:
            return asyncio.run(_fed(url, str(data["base_url"]), ws_url, args.seconds, spool))
        finally:
            proc.kill()
            proc.wait()
    if args.mode == "replay":
        tickers = cast(list[str], data["tickers"])
        frames = cast(list[bytes], data["frames"])
        return asyncio.run(_replay(url, tickers, frames, args.seconds, spool, args.rate))
    return asyncio.run(_run(url, str(data["base_url"]), args.seconds, spool))


def _backend(args: argparse.Namespace, backend: str, data: dict[str, object]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "duckdb":
            return _one(args, f"duckdb:///{tmp}/bench.duckdb", tmp, data)
        name = f"ktape_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as con:
            con.execute(f"CREATE DATABASE {name}")
        try:
            return _one(args, PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", tmp, data)
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as con:
                con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    global FLUSH_S, LEAN, MAX_BATCHES, RATE
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["replay", "sim", "feed", "feeder"], default="replay")
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds per backend")
    parser.add_argument("--speed", type=float, default=3600, help="sim mode: market speed")
    parser.add_argument("--backends", default="duckdb,postgresql")
    parser.add_argument("--rate", type=float, default=0, help="replay/feed: msg/s (0 = max)")
    parser.add_argument(
        "--flush", type=float, default=FLUSH_S, help="storage.flush_interval_seconds"
    )
    parser.add_argument("--plain-reader", action="store_true", help="feed: websockets' reader")
    parser.add_argument("--max-batches", type=int, default=0, help="writer queue depth")
    args = parser.parse_args()
    FLUSH_S, LEAN, MAX_BATCHES = args.flush, not args.plain_reader, args.max_batches
    RATE = args.rate
    port = free_port()
    speed = str(args.speed) if args.mode == "sim" else "0"
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kalshi_tape",
            "sim",
            "--port",
            str(port),
            "--speed",
            speed,
            "--tier",
            "unlimited",
            "--now",
            "2026-11-22T15:00:00Z",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: list[dict[str, object]] = [
        {"mode": args.mode, "load_1_5_15": os.getloadavg(), "cpus": os.cpu_count()}
    ]
    try:
        _wait_ready(f"http://127.0.0.1:{port}/_sim/clock")
        data: dict[str, object] = {"base_url": f"http://127.0.0.1:{port}/trade-api/v2"}
        if args.mode != "sim":
            data["tickers"], data["frames"] = _capture(port)
        if args.mode in ("replay", "feeder"):
            sim.terminate()  # no simulator needed: do not share the CPU with it
        if args.mode == "feeder":
            results.append(_feeder_alone(data["frames"], passes=20))  # type: ignore[arg-type]
            print(json.dumps(results, indent=1))
            return
        for backend in args.backends.split(","):
            results.append(_backend(args, backend, data))
            print(json.dumps(results[-1]), flush=True)
    finally:
        sim.terminate()
        sim.wait()
    results.append({"load_after": os.getloadavg()})
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
