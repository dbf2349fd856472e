"""Soak: a simulated day and a half through the collector, across the climate-day boundary.

    .venv/bin/python benchmarks/bench_soak.py --hours 36 --speed 1800

A `ktape sim` subprocess (five cities) runs `--hours` of exchange time at `--speed`; one
`Collector` follows the five series into a fresh PostgreSQL database. Every second it
samples the exchange clock, RSS, the write lag of that second's batches (p50/p99), the
markets and events tracked. Afterwards (the simulator paused, two trade sweeps later):
events discovered and dropped during the run, and every simulator trade of every market
the collector ever tracked compared with the warehouse (none lost, none twice). Writes
the samples as JSON and a chart (SVG) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import httpx
import psycopg

from bench_collect import _rss_mb, _wait_ready  # the same directory
from kalshi_tape.collector import Collector
from kalshi_tape.core.serving import free_port
from kalshi_tape.settings.collector import CollectorConfig
from kalshi_tape.settings.shared import Settings
from kalshi_tape.storage import open_store

PG_ADMIN = os.environ.get("KTAPE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SERIES = ("KXHIGHNY", "KXHIGHCHI", "KXHIGHMIA", "KXHIGHAUS", "KXHIGHDEN")
START = "2026-11-22T15:00:00Z"  # 10:00 in New York: the next climate day starts mid-run


def _sim(port: int, speed: float) -> subprocess.Popen[bytes]:
    args = ["sim", "--port", str(port), "--speed", str(speed), "--tier", "unlimited"]
    args += ["--now", START]
    return subprocess.Popen(
        [sys.executable, "-m", "kalshi_tape", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _sample(collector: Collector, admin: httpx.AsyncClient, t0: float) -> dict[str, object]:
    lag = collector.writer.lag
    p50, p99 = lag.percentiles(50, 99)
    collector.writer.lag = type(lag)()  # the next sample's window
    clock = (await admin.get("/clock")).json()
    events = {collector.tracker.market_event[t] for t in collector.tracker.tickers}
    return {
        "wall_s": round(time.monotonic() - t0, 1),
        "exchange": clock["now"],
        "exchange_ts": clock["now_ts"],
        "rss_mb": round(_rss_mb(), 1),
        "lag_p50_s": round(p50, 3),
        "lag_p99_s": round(p99, 3),
        "markets": len(collector.tracker.tickers),
        "events": sorted(events),
    }


async def _soak(url: str, port: int, hours: float, speed: float, spool: Path) -> dict[str, object]:
    base = f"http://127.0.0.1:{port}/trade-api/v2"
    store = open_store(url)
    config = CollectorConfig(
        settings=Settings(base_url=base, tier="unlimited"),
        series=SERIES,
        interval_seconds=60,
        trade_sweep_seconds=5,
        discovery_seconds=5,
        flush_interval_seconds=0.25,
        spool_dir=spool,
    )
    collector = Collector(config, store, rng=random.Random(1))
    task = asyncio.create_task(collector.run())
    samples: list[dict[str, object]] = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/_sim", timeout=10) as admin:
        start_ts = (await admin.get("/clock")).json()["now_ts"]
        t0 = time.monotonic()
        while True:
            await asyncio.sleep(1)
            if task.done():
                task.result()
            sample = await _sample(collector, admin, t0)
            samples.append(sample)
            if int(str(sample["exchange_ts"])) - start_ts >= hours * 3600:
                break
        await admin.post("/pause")
        sweeps = collector.sweeper.sweeps
        while collector.sweeper.sweeps < sweeps + 2:
            await asyncio.sleep(0.5)
    collector.stop()
    await task
    feed_stats = collector.feed.stats if collector.feed else None
    store.close()
    return {
        "samples": samples,
        "gaps": feed_stats.gaps if feed_stats else None,
        "spooled_batches": collector.writer.spooled_batches,
        "tracked_at_end": len(collector.tracker.tickers),
    }


def _finite(values: Iterable[object]) -> list[float]:
    """The samples' numbers without the NaN of a second with no batch committed."""
    return [v for v in (float(str(x)) for x in values) if math.isfinite(v)]


def _dropped(run: dict[str, object]) -> set[str]:
    samples = cast(list[dict[str, object]], run["samples"])
    seen = {e for s in samples for e in cast(list[str], s["events"])}
    return seen - set(cast(list[str], samples[-1]["events"]))


def _trades_of(base: str, tickers: list[str]) -> set[str]:
    ids: set[str] = set()
    with httpx.Client(base_url=base, timeout=30) as client:
        for ticker in tickers:
            cursor = ""
            while True:
                params: dict[str, str | int] = {"ticker": ticker, "limit": 1000, "cursor": cursor}
                body = client.get("/markets/trades", params=params).json()
                ids |= {t["trade_id"] for t in body["trades"]}
                cursor = body.get("cursor") or ""
                if not cursor:
                    break
    return ids


def _finalised(url: str, events: set[str]) -> dict[str, int]:
    """Of the events dropped during the run: markets stored, those whose watch was closed
    (a collector coverage record: unsubscribed with its span written), and those stored
    with a result (the collector drops a market when it closes, before it settles)."""
    with psycopg.connect(url) as con:
        tickers = [
            str(r[0])
            for r in con.execute(
                "SELECT ticker FROM markets WHERE event_ticker = ANY(%s)", (sorted(events),)
            )
        ]
        covered = {
            str(r[0]).split("/")[2]
            for r in con.execute(
                "SELECT task_key FROM backfill_progress WHERE task_key LIKE 'coverage/collector/%'"
            )
        }
        row = con.execute(
            "SELECT count(*) FROM markets WHERE event_ticker = ANY(%s) AND result IN ('yes', 'no')",
            (sorted(events),),
        ).fetchone()
    return {
        "dropped_markets": len(tickers),
        "dropped_markets_watch_closed": len(covered & set(tickers)),
        "dropped_markets_with_result": int(row[0]) if row else 0,
    }


def _svg(samples: list[dict[str, object]], path: Path) -> None:
    """Two stacked line charts over exchange hours: RSS (MB) and write lag p99 (s)."""
    hours = [
        (int(str(s["exchange_ts"])) - int(str(samples[0]["exchange_ts"]))) / 3600 for s in samples
    ]
    width, height, pad = 720, 160, 40
    panels = [
        ("RSS (MB)", [float(str(s["rss_mb"])) for s in samples], "#1f77b4"),
        ("write lag p99 (s)", [float(str(s["lag_p99_s"])) for s in samples], "#d62728"),
        ("markets tracked", [float(str(s["markets"])) for s in samples], "#2ca02c"),
    ]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{len(panels) * (height + pad) + pad}" font-family="sans-serif" font-size="11">'
    ]
    span = max(hours) or 1.0
    for i, (label, values, colour) in enumerate(panels):
        top = pad + i * (height + pad)
        top_value = max(_finite(values), default=0.0)  # a second with no commit: NaN
        hi = top_value * 1.1 or 1.0
        pts = " ".join(
            f"{pad + h / span * (width - 2 * pad):.1f},{top + height - v / hi * height:.1f}"
            for h, v in zip(hours, values, strict=True)
            if math.isfinite(v)
        )
        parts.append(
            f'<rect x="{pad}" y="{top}" width="{width - 2 * pad}" height="{height}" '
            'fill="none" stroke="#999"/>'
        )
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        parts.append(f'<text x="{pad}" y="{top - 6}">{label}: max {top_value:g}</text>')
        parts.append(f'<text x="{pad - 4}" y="{top + 10}" text-anchor="end">{hi:.3g}</text>')
        parts.append(f'<text x="{pad - 4}" y="{top + height}" text-anchor="end">0</text>')
    bottom = pad + len(panels) * (height + pad) - pad + 16
    parts.append(f'<text x="{pad}" y="{bottom}">0 h</text>')
    parts.append(
        f'<text x="{width - pad}" y="{bottom}" text-anchor="end">'
        f"{span:.0f} h of exchange time</text>"
    )
    parts.append("</svg>")
    path.write_text("\n".join(parts))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=36)
    parser.add_argument("--speed", type=float, default=1800)
    parser.add_argument("--svg", default="docs/img/soak.svg")
    parser.add_argument("--json", default=None, help="write every sample here too")
    args = parser.parse_args()
    port = free_port()
    sim = _sim(port, args.speed)
    name = f"ktape_soak_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    load_before = os.getloadavg()
    cpu0 = time.process_time()  # this process: the collector (the simulator is apart)
    try:
        _wait_ready(f"http://127.0.0.1:{port}/_sim/clock")
        with tempfile.TemporaryDirectory() as tmp:
            run = asyncio.run(_soak(url, port, args.hours, args.speed, Path(tmp) / "spool"))
        cpu_s = time.process_time() - cpu0
        with psycopg.connect(url) as con:  # every market discovery ever listed
            known = sorted(str(r[0]) for r in con.execute("SELECT ticker FROM markets"))
        expected = _trades_of(f"http://127.0.0.1:{port}/trade-api/v2", known)
        with psycopg.connect(url) as con:
            stored = [str(r[0]) for r in con.execute("SELECT trade_id FROM trades")]
            deltas = con.execute("SELECT count(*) FROM orderbook_deltas").fetchone()
        run["finalised"] = _finalised(url, _dropped(run))
    finally:
        sim.terminate()
        sim.wait()
        with psycopg.connect(PG_ADMIN, autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    samples: list[dict[str, object]] = run["samples"]  # type: ignore[assignment]
    first_events = set(cast(list[str], samples[0]["events"]))
    all_events = {e for s in samples for e in cast(list[str], s["events"])}
    last_events = set(cast(list[str], samples[-1]["events"]))
    summary = {
        "hours": args.hours,
        "speed": args.speed,
        "wall_s": samples[-1]["wall_s"],
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "events_at_start": len(first_events),
        "events_discovered": len(all_events - first_events),
        "events_dropped": len(all_events - last_events),
        "rss_mb_first_last_max": [
            samples[0]["rss_mb"],
            samples[-1]["rss_mb"],
            max(float(str(s["rss_mb"])) for s in samples),
        ],
        "lag_p99_s_max": max(_finite(s["lag_p99_s"] for s in samples)),
        "lag_p50_s_median": statistics.median(_finite(s["lag_p50_s"] for s in samples)),
        "markets_tracked_ever": len(known),
        "orderbook_deltas": deltas[0] if deltas else None,
        "collector_cpu_s": round(cpu_s, 1),
        "cpu_us_per_delta": round(cpu_s / deltas[0] * 1e6, 1) if deltas and deltas[0] else None,
        "trades_expected": len(expected),
        "trades_lost": len(expected - set(stored)),
        "trades_twice": len(stored) - len(set(stored)),
        **{k: v for k, v in run.items() if k != "samples"},
    }
    print(json.dumps(summary, indent=1))
    _svg(samples, Path(args.svg))
    if args.json:
        Path(args.json).write_text(json.dumps(samples))


if __name__ == "__main__":
    main()
