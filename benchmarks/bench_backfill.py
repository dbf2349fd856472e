"""Backfill against the simulator on loopback: requests vs plan, rate-budget use, speed.

Runs two cities x six days (1/60/1440-minute candles and trades) twice per tier on a
warmed simulator: `basic` (20 requests/s, 40 of burst) must use >= 90 % of its budget
with no 429; `unlimited` shows how fast the pipeline itself goes.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, date, datetime

import httpx

from kalshi_tape.backfill.runner import BackfillOptions, BackfillReport, run_backfill
from kalshi_tape.client import KalshiClient
from kalshi_tape.client.discover import Selection
from kalshi_tape.core.clock import ManualClock
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import open_store

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
SELECTION = Selection(
    series=("KXHIGHNY", "KXHIGHCHI"), start=date(2026, 11, 10), end=date(2026, 11, 15)
)
BUDGET = {"basic": (40, 20.0)}  # (burst requests, requests per second)


def backfill(base_url: str, db_url: str, tier: str) -> BackfillReport:
    settings = Settings(base_url=base_url, db_url=db_url, tier=tier)

    async def go() -> BackfillReport:
        async with KalshiClient(settings) as client:
            with open_store(db_url) as store:
                return await run_backfill(
                    client,
                    store,
                    SELECTION,
                    BackfillOptions(concurrency=8),
                    clock=ManualClock(int(NOW.timestamp() * 1e9)),
                )

    return asyncio.run(go())


def measure(tier: str) -> None:
    config = SimConfig(seed=11, now=NOW, speed=0, tier=tier)
    with SimServer(config) as sim, tempfile.TemporaryDirectory() as folder:
        backfill(sim.base_url, f"duckdb:///{folder}/warm.duckdb", tier)
        time.sleep(2.5)  # let the bucket refill
        started = time.perf_counter()
        report = backfill(sim.base_url, f"duckdb:///{folder}/run.duckdb", tier)
        elapsed = time.perf_counter() - started
        stats = httpx.get(f"{sim.admin_url}/stats").json()
    line = (
        f"{tier:9s} requests {report.requests:4d} "
        f"(plan lower bound {report.plan.request_lower_bound} "
        f"+ discovery {report.discovery_requests}), rows {report.rows:,}, {elapsed:.2f} s, "
        f"{report.requests / elapsed:.1f} req/s, {report.rows / elapsed:,.0f} rows/s, "
        f"429s {stats['responses_by_status'].get('429', 0)}"
    )
    if tier in BUDGET:
        burst, rate = BUDGET[tier]
        line += f", budget used {report.requests / (burst + rate * elapsed):.1%}"
    print(line, flush=True)


if __name__ == "__main__":
    for tier_name in ("basic", "unlimited"):
        measure(tier_name)
