"""A fleet of three `ktape collect --fleet` processes on PostgreSQL and the simulator:
every event held by exactly one live collector, a `kill -9`'s events held again by the
survivors, a PostgreSQL outage that loses nothing, and the trades compared with
the simulator's: none lost, none twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from kalshi_tape.collector.fleet import FleetStatus, owner_of, read_status
from kalshi_tape.core.serving import free_port
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from tests.collector.conftest import (
    SIM_NOW,
    admin,
    await_sweeps,
    sim_trade_ids,
    trade_sweeps,
)
from tests.collector.proxy import TcpProxy
from tests.conftest import through_port

pytestmark = pytest.mark.postgres

SERIES = ("KXHIGHNY", "KXHIGHCHI", "KXHIGHMIA", "KXHIGHAUS", "KXHIGHDEN")
LEASE_S = 3.0


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


def open_events(sim: SimServer) -> set[str]:
    found: set[str] = set()
    with httpx.Client(base_url=sim.base_url, timeout=10) as client:
        for series in SERIES:
            body = client.get("/events", params={"series_ticker": series, "status": "open"})
            found |= {e["event_ticker"] for e in body.json()["events"]}
    return found


def wait_steady(url: str, events: set[str], members: int, timeout: float) -> FleetStatus:
    """Until `members` members are alive and every event is leased by the live member whose
    share it is (the rendezvous owner among the live ones)."""
    deadline = time.monotonic() + timeout
    while True:
        status = read_status(url)
        alive = {m.member_id for m in status.members if m.alive}
        held = {lease.event_ticker: lease.holder for lease in status.leases}
        settled = all(held.get(e) == owner_of(e, alive) for e in events)
        if len(alive) == members and settled:
            return status
        assert time.monotonic() < deadline, json.dumps(status.as_json())[:3000]
        time.sleep(0.1)


def write_config(path: Path, sim: SimServer, db_url: str) -> None:
    path.write_text(
        f"base_url: '{sim.base_url}'\ntier: unlimited\ndb_url: '{db_url}'\n"
        f"collector: {{series: {list(SERIES)}, interval_seconds: 1, trade_sweep_seconds: 1,"
        f" discovery_seconds: 5, flush_interval_seconds: 0.2, fleet: true,"
        f" lease_seconds: {LEASE_S}}}\n"
    )


def test_fleet_heals_and_loses_nothing(pg_url: str, tmp_path: Path) -> None:
    direct = pg_url
    proxy = TcpProxy(5432)
    proxy.up()
    config = tmp_path / "fleet.yaml"
    sim_config = SimConfig(seed=11, now=SIM_NOW, speed=60, series=SERIES)
    with SimServer(sim_config) as sim:
        write_config(config, sim, through_port(pg_url, proxy.port))
        events = open_events(sim)
        assert len(events) >= 6
        members = [Member(config, tmp_path / f"spool{i}") for i in range(3)]
        try:
            _exercise(members, direct, events, proxy)
            with admin(sim) as sim_admin:
                sim_admin.post("/pause")
            for m in members[1:]:  # two sweeps of the frozen market by each survivor
                await_sweeps(m.metrics_port, trade_sweeps(m.metrics_port) + 2, m.proc)
            for m in members[1:]:
                m.proc.send_signal(signal.SIGTERM)
            for m in members[1:]:
                assert m.proc.wait(timeout=20) == 0, m.log()
        finally:
            for m in members:
                if m.proc.poll() is None:
                    m.proc.kill()
            proxy.down()
        _check_trades(direct, sim)
    assert read_status(direct).leases == ()  # the clean stops gave everything back


def _exercise(members: list[Member], url: str, events: set[str], proxy: TcpProxy) -> None:
    status = wait_steady(url, events, 3, timeout=60)
    holders = {lease.holder for lease in status.leases}
    assert len(holders) >= 2  # the work is shared
    time.sleep(2)  # trades flow
    victim = members[0]
    pid_holder = next(m.member_id for m in status.members if m.pid == victim.proc.pid)
    orphaned = {lease.event_ticker for lease in status.leases if lease.holder == pid_holder}
    victim.proc.send_signal(signal.SIGKILL)
    victim.proc.wait()
    killed = time.monotonic()
    healed = wait_steady(url, events, 2, timeout=20 * LEASE_S)  # a deadline for a hang
    print(f"healed in {time.monotonic() - killed:.2f} s (a measurement, not asserted)")
    survivors = {m.member_id for m in healed.members if m.alive}
    assert pid_holder not in survivors
    assert {lease.holder for lease in healed.leases if lease.event_ticker in orphaned} <= survivors
    proxy.down()  # PostgreSQL unreachable for longer than a lease
    time.sleep(LEASE_S + 1)
    proxy.up()
    after = wait_steady(url, events, 2, timeout=6 * LEASE_S)
    assert all(m.proc.poll() is None for m in members[1:])
    assert {lease.holder for lease in after.leases} <= {m.member_id for m in after.members}


def _check_trades(url: str, sim: SimServer) -> None:
    with psycopg.connect(url) as con:
        tickers = {str(r[0]) for r in con.execute("SELECT ticker FROM markets")}
        rows = [str(r[0]) for r in con.execute("SELECT trade_id FROM trades")]
        handovers = con.execute(
            "SELECT count(*) FROM sequence_gaps WHERE detail LIKE 'fleet handover%'"
        ).fetchone()
    assert len(rows) == len(set(rows))  # none twice
    expected = sim_trade_ids(sim, tickers)
    missing = expected - set(rows)
    assert not missing, f"{len(missing)} of {len(expected)} trades lost"
    assert handovers is not None and handovers[0] > 0  # the join moved events, on the tape
