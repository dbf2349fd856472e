"""Simulator throughput on loopback: REST requests/s (tier unlimited) and WebSocket frames/s.

The simulator runs in its own process (`ktape sim`, as users run it); clients run in other
processes, so the numbers are what a collector on the same machine would see.

    .venv/bin/python benchmarks/bench_sim.py [--seconds 5] [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import time
from typing import Any

import httpx

from kalshi_tape.core.serving import free_port

NOW = "2026-11-22T15:00:00Z"


def start_sim(port: int, *extra: str) -> subprocess.Popen[bytes]:
    code = "from kalshi_tape.sim.cli import sim_command; sim_command()"
    args = [sys.executable, "-c", code, "--port", str(port), "--tier", "unlimited", "--now", NOW]
    proc = subprocess.Popen([*args, *extra], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_sim/stats", timeout=1).raise_for_status()
            return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("simulator did not start")


# --------------------------------------------------------------------------- REST


async def _rest_worker(port: int, paths: list[str], stop_at: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = 0
    while time.monotonic() < stop_at:
        path = paths[i % len(paths)]
        i += 1
        writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        if status != 200:
            raise RuntimeError(f"{path} -> {status}")
        counts[0] += 1
    writer.close()


def _rest_process(port: int, paths: list[str], seconds: float, conns: int, out: Any) -> None:
    async def main() -> int:
        counts = [0]
        stop_at = time.monotonic() + seconds
        await asyncio.gather(*(_rest_worker(port, paths, stop_at, counts) for _ in range(conns)))
        return counts[0]

    out.put(asyncio.run(main()))


def bench_rest(port: int, label: str, paths: list[str], seconds: float) -> float:
    for path in paths:  # warm caches (lazy generation) before timing
        httpx.get(f"http://127.0.0.1:{port}{path}", timeout=60).raise_for_status()
    queue: Any = mp.Queue()
    procs = [
        mp.Process(target=_rest_process, args=(port, paths, seconds, 8, queue)) for _ in range(2)
    ]
    start = time.monotonic()
    for p in procs:
        p.start()
    total = sum(queue.get() for _ in procs)
    for p in procs:
        p.join()
    rate: float = total / (time.monotonic() - start)
    print(f"REST {label:<44} {total:>8} requests  {rate:>9,.0f} req/s")
    return rate


# --------------------------------------------------------------------------- WebSocket


def _raw_ws_connect(port: int) -> socket.socket:
    """A minimal WebSocket client handshake on a plain socket (so the client is cheap)."""
    sock = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /trade-api/ws/v2 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(4096)
    if b" 101 " not in head.split(b"\r\n")[0]:
        raise RuntimeError(head.decode(errors="replace"))
    return sock


def _send_text(sock: socket.socket, text: str) -> None:
    data = text.encode()
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    if len(data) < 126:
        header = bytes([0x81, 0x80 | len(data)])
    else:
        header = bytes([0x81, 0x80 | 126]) + len(data).to_bytes(2, "big")
    sock.sendall(header + mask + masked)


def _count_frames(buf: bytearray) -> tuple[int, int]:
    """Complete frames at the start of `buf` and the bytes they use (server frames are unmasked)."""
    count = pos = 0
    n = len(buf)
    while pos + 2 <= n:
        length = buf[pos + 1] & 0x7F
        head = 2
        if length == 126:
            if pos + 4 > n:
                break
            length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
            head = 4
        elif length == 127:
            if pos + 10 > n:
                break
            length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
            head = 10
        if pos + head + length > n:
            break
        if buf[pos] & 0x0F in (0x1, 0x2):
            count += 1
        pos += head + length
    return count, pos


def _ws_process(port: int, tickers: list[str], ready: Any, out: Any) -> None:
    sock = _raw_ws_connect(port)
    sub = {"channels": ["orderbook_delta"], "market_tickers": tickers}
    _send_text(sock, json.dumps({"id": 1, "cmd": "subscribe", "params": sub}))
    _send_text(
        sock, json.dumps({"id": 2, "cmd": "subscribe", "params": {"channels": ["ticker", "trade"]}})
    )
    sock.settimeout(0.5)
    try:
        while sock.recv(1 << 20):  # drain acks and snapshots
            pass
    except TimeoutError:
        pass
    ready.put(1)
    sock.settimeout(120.0)
    buf = bytearray()
    count = 0
    first = last = 0.0
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except TimeoutError:
            break
        if not chunk:
            break
        last = time.monotonic()
        if not first:
            first = last
            sock.settimeout(1.0)
        buf += chunk
        frames, used = _count_frames(buf)
        count += frames
        del buf[:used]
    sock.close()
    out.put((count, first, last))


def bench_ws(port: int, connections: int) -> float:
    base = f"http://127.0.0.1:{port}"
    markets = httpx.get(
        f"{base}/trade-api/v2/markets", params={"status": "open", "limit": 1000}
    ).json()
    tickers = [m["ticker"] for m in markets["markets"]]
    ready: Any = mp.Queue()
    out: Any = mp.Queue()
    procs = [
        mp.Process(target=_ws_process, args=(port, tickers, ready, out)) for _ in range(connections)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get()
    before = httpx.get(f"{base}/_sim/stats").json()["ws"]["frames_sent"]
    start = time.monotonic()
    # Jump the frozen market clock 12 hours: every change in that window streams at once.
    httpx.post(f"{base}/_sim/clock", json={"advance_s": 12 * 3600}, timeout=120)
    results = [r for r in (out.get() for _ in procs) if r[0]]
    for p in procs:
        p.join()
    frames = sum(r[0] for r in results)
    first = min(r[1] for r in results)
    end = max(r[2] for r in results)
    sent = httpx.get(f"{base}/_sim/stats").json()["ws"]["frames_sent"] - before
    rate: float = frames / (end - first)
    print(
        f"WS   {connections} connections x {len(tickers)} markets (book+ticker+trade), "
        f"12 h of market time: {frames:,} frames received ({sent:,} sent)"
    )
    print(f"     delivery (first to last frame): {end - first:.2f} s = {rate:,.0f} frames/s")
    print(
        f"     end to end incl. generating the 12 h: {end - start:.2f} s = "
        f"{frames / (end - start):,.0f} frames/s"
    )
    return rate


def bench_generation(events: int = 60) -> None:
    """Cost of generating one event lazily: skeleton, then its full trade/quote history."""
    from datetime import date, timedelta

    from kalshi_tape.sim.cities import CITIES
    from kalshi_tape.sim.generator import make_event, make_timeline

    days = [date(2026, 10, 1) + timedelta(days=i) for i in range(events)]
    start = time.perf_counter()
    specs = [make_event(1, CITIES["KXHIGHNY"], day) for day in days]
    skeleton = (time.perf_counter() - start) / events
    start = time.perf_counter()
    timelines = [make_timeline(spec, False) for spec in specs]
    history = (time.perf_counter() - start) / events
    trades = sum(len(m.trades) for t in timelines for m in t.markets) / events
    quotes = sum(len(m.quotes) for t in timelines for m in t.markets) / events
    print(
        f"GEN  one event: skeleton {skeleton * 1000:.2f} ms, full history {history * 1000:.1f} ms "
        f"({trades:.0f} trades, {quotes:.0f} quote changes per event)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()

    bench_generation()
    port = free_port()
    t0 = time.monotonic()
    proc = start_sim(port, "--speed", "0")
    print(f"startup: simulator answered after {time.monotonic() - t0:.2f} s")
    try:
        market = "KXHIGHNY-26NOV22-T45"
        first = httpx.get(f"http://127.0.0.1:{port}/trade-api/v2/events/KXHIGHNY-26NOV22").json()
        market = first["markets"][2]["ticker"]
        light = [
            "/trade-api/v2/exchange/status",
            f"/trade-api/v2/markets/{market}",
            f"/trade-api/v2/markets/{market}/orderbook",
            "/trade-api/v2/events/KXHIGHNY-26NOV22",
        ]
        bench_rest(port, "light mix (status, market, book, event)", light, args.seconds)
        heavy = [
            "/trade-api/v2/markets?limit=100",
            f"/trade-api/v2/markets/trades?ticker={market}&limit=100",
            f"/trade-api/v2/series/KXHIGHNY/markets/{market}/candlesticks"
            "?start_ts=1795190000&end_ts=1795320000&period_interval=60",
        ]
        bench_rest(port, "page mix (100 markets, 100 trades, candles)", heavy, args.seconds)
        bench_ws(port, args.connections)
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
