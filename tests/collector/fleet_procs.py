"""Real `ktape collect --fleet` processes for the fleet tests: start, watch, read back.

A `Member` is one subprocess (its stderr kept, /metrics on its own port); `wait_steady`
waits until every open event is leased by the live member whose share it is and the live
members' reported markets add up to every market of those events (each held once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg

from kalshi_tape.collector.fleet import FleetStatus, owner_of, read_status
from kalshi_tape.core.serving import free_port
from kalshi_tape.sim.server import SimServer
from tests.collector.conftest import sim_trade_ids

SERIES = ("KXHIGHNY", "KXHIGHCHI", "KXHIGHMIA", "KXHIGHAUS", "KXHIGHDEN")


class Member:
    """One `ktape collect --fleet` process, its stderr kept, /metrics on `metrics_port`."""

    def __init__(self, config: Path, spool: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KALSHI_", "KTAPE_"))}
        args = [sys.executable, "-m", "kalshi_tape", "collect", "--config", str(config)]
        self.metrics_port = free_port()
        args += ["--metrics-port", str(self.metrics_port)]
        self.proc = subprocess.Popen(
            [*args, "--spool-dir", str(spool), "--log-json"], env=env, stderr=subprocess.PIPE
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.lines.append(raw.decode())

    def log(self) -> str:
        return "".join(self.lines)[-3000:]

    def metrics(self) -> dict[str, float]:
        """This process's /metrics samples: {'name{labels}': value}."""
        body = httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10).text
        samples = (line.rsplit(" ", 1) for line in body.splitlines() if not line.startswith("#"))
        return {name: float(value) for name, value in samples}


def open_markets(sim: SimServer) -> dict[str, str]:
    """Every open market of the series: {market ticker: event ticker}."""
    found: dict[str, str] = {}
    with httpx.Client(base_url=sim.base_url, timeout=10) as client:
        for series in SERIES:
            params = {"series_ticker": series, "status": "open", "limit": 1000}
            for market in client.get("/markets", params=params).json()["markets"]:
                found[market["ticker"]] = market["event_ticker"]
    return found


def wait_steady(url: str, markets: dict[str, str], members: int, timeout: float) -> FleetStatus:
    """Until `members` members are alive, every event is leased by the live member whose
    share it is, and the live members' markets add up to every market (each held once)."""
    events = set(markets.values())
    deadline = time.monotonic() + timeout
    while True:
        status = read_status(url)
        alive = {m.member_id for m in status.members if m.alive}
        held = {lease.event_ticker: lease.holder for lease in status.leases}
        settled = all(held.get(e) == owner_of(e, alive) for e in events)
        counted = sum(m.markets for m in status.members if m.alive) == len(markets)
        if len(alive) == members and settled and counted:
            return status
        assert time.monotonic() < deadline, json.dumps(status.as_json())[:3000]
        time.sleep(0.05)


def write_config(path: Path, sim: SimServer, db_url: str, lease_s: float) -> None:
    path.write_text(
        f"base_url: '{sim.base_url}'\ntier: unlimited\ndb_url: '{db_url}'\n"
        f"collector: {{series: {list(SERIES)}, interval_seconds: 1, trade_sweep_seconds: 1,"
        f" discovery_seconds: 5, flush_interval_seconds: 0.2, fleet: true,"
        f" lease_seconds: {lease_s}}}\n"
    )


def check_trades(url: str, sim: SimServer) -> int:
    """Every simulator trade of every market stored exactly once; returns how many."""
    with psycopg.connect(url) as con:
        tickers = {str(r[0]) for r in con.execute("SELECT ticker FROM markets")}
        rows = [str(r[0]) for r in con.execute("SELECT trade_id FROM trades")]
    assert len(rows) == len(set(rows))  # none twice
    expected = sim_trade_ids(sim, tickers)
    missing = expected - set(rows)
    assert not missing, f"{len(missing)} of {len(expected)} trades lost: {lost(sim, missing)}"
    return len(expected)


def lost(sim: SimServer, missing: set[str]) -> list[tuple[str, str, int]]:
    """The first lost trades as (trade id, market, exchange time in Unix us)."""
    ex = sim.exchange
    page, _ = ex.trades(ticker=None, lo_us=0, hi_us=ex.now_us, before=None, limit=10**7)
    return sorted(
        (t.trade_id, ticker, t.created_us) for ticker, t in page if t.trade_id in missing
    )[:5]


def handovers(url: str) -> int:
    with psycopg.connect(url) as con:
        row = con.execute(
            "SELECT count(*) FROM sequence_gaps WHERE detail LIKE 'fleet handover%'"
        ).fetchone()
    return 0 if row is None else int(row[0])
