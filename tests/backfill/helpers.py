"""Shared helpers for backfill tests."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

from kalshi_tape.backfill.runner import BackfillOptions, BackfillReport, run_backfill
from kalshi_tape.client import KalshiClient
from kalshi_tape.client.discover import Selection
from kalshi_tape.client.ratelimit import RateLimiter
from kalshi_tape.core.clock import ManualClock
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.storage import open_store

# A frozen exchange clock: every run sees the same markets, trades and cutoffs.
SIM_NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
# Events of these dates straddle the historical cutoff (7 days before SIM_NOW).
START, END = date(2026, 11, 10), date(2026, 11, 15)


def sim_config(**overrides: object) -> SimConfig:
    base: dict[str, object] = {"seed": 11, "now": SIM_NOW, "speed": 0, "tier": "unlimited"}
    base.update(overrides)
    return SimConfig(**base)  # type: ignore[arg-type]


TABLES = ("series", "events", "markets", "candles", "trades", "backfill_progress")
VOLATILE = {"ingested_at", "raw_json"}


def run(
    base_url: str,
    db_url: str,
    selection: Selection,
    options: BackfillOptions | None = None,
    tier: str = "unlimited",
    limiter: RateLimiter | None = None,
) -> BackfillReport:
    """One backfill; `report.elapsed_s` covers run_backfill only (not opening the store);
    `limiter`: the client's (by default the tier's own)."""
    settings = Settings(base_url=base_url, db_url=db_url, tier=tier)
    clock = ManualClock(int(SIM_NOW.timestamp() * 1e9))

    async def go() -> BackfillReport:
        async with KalshiClient(settings, limiter=limiter) as client:
            with open_store(db_url) as store:
                return await run_backfill(
                    client, store, selection, options or BackfillOptions(), clock=clock
                )

    return asyncio.run(go())


def snapshot(db_url: str, tables: tuple[str, ...] = TABLES) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the given tables, sorted, without bookkeeping columns."""
    out = {}
    with open_store(db_url) as store:
        for name in tables:
            table = store.read_table(name)
            keep = [c for c in table.column_names if c not in VOLATILE]
            rows = table.select(keep).to_pylist()
            out[name] = sorted((tuple(sorted(r.items())) for r in rows), key=repr)
    return out
