"""Collector fixtures: a fast, faulty simulator and collector configs pointing at it."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from kalshi_tape.settings.collector import CollectorConfig
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import Faults, SimConfig
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import Store

SIM_NOW = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)  # US daytime: busy books
FAULTS = Faults(ws_drop_every=400, ws_seq_gap=0.01, ws_malformed=0.01, http_5xx=0.2)
SERIES = ("KXHIGHNY", "KXHIGHCHI")


@pytest.fixture
def faulty_sim() -> Iterator[SimServer]:
    config = SimConfig(seed=21, now=SIM_NOW, speed=600, faults=FAULTS, series=SERIES)
    with SimServer(config) as sim:
        yield sim


def collector_config(sim: SimServer, spool: Path, **changes: object) -> CollectorConfig:
    fast: dict[str, object] = {
        "series": SERIES,
        "interval_seconds": 1.0,
        "spike_cooldown_seconds": 0.5,
        "trade_sweep_seconds": 2.0,
        "flush_interval_seconds": 0.2,
        "spool_dir": spool,
    }
    settings = Settings(base_url=sim.base_url, tier="unlimited")
    return CollectorConfig(settings=settings, **(fast | changes))  # type: ignore[arg-type]


async def wait_for(condition: object, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        await asyncio.sleep(step)
    return False


def sim_trade_ids(sim: SimServer, tickers: set[str]) -> set[str]:
    """Every trade the simulator made so far in `tickers` (in-process, not faulted)."""
    ex = sim.exchange
    ids: set[str] = set()
    for ticker in tickers:
        page, _ = ex.trades(ticker=ticker, lo_us=0, hi_us=ex.now_us, before=None, limit=10**7)
        ids |= {trade.trade_id for _, trade in page}
    return ids


def stored_trade_ids(store: Store) -> list[str]:
    return [str(row[0]) for row in store.sql("SELECT trade_id FROM trades")]


def admin(sim: SimServer) -> httpx.Client:
    return httpx.Client(base_url=sim.admin_url, timeout=10)


def trade_sweeps(port: int) -> float:
    """Trade sweeps done so far by the `ktape collect` serving /metrics on `port`."""
    body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    name = "ktape_collect_trade_sweeps_total "
    lines = [line for line in body.splitlines() if line.startswith(name)]
    return float(lines[0].split()[1]) if lines else 0.0


def await_sweeps(port: int, wanted: float, proc: subprocess.Popen[bytes]) -> None:
    """Until that collector has swept `wanted` times (a deadline for a hang)."""
    deadline = time.monotonic() + 60
    while trade_sweeps(port) < wanted:
        assert time.monotonic() < deadline and proc.poll() is None, f"fewer than {wanted} sweeps"
        time.sleep(0.2)
