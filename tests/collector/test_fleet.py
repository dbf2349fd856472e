"""A fleet of three `ktape collect --fleet` processes on PostgreSQL and the simulator:
every event held by exactly one live collector, a `kill -9`'s events held again by the
survivors, a PostgreSQL outage that loses nothing, and the trades compared with
the simulator's: none lost, none twice."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from kalshi_tape.collector.fleet import read_status
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from tests.collector.conftest import SIM_NOW, admin, await_sweeps, trade_sweeps
from tests.collector.fleet_procs import (
    SERIES,
    Member,
    check_trades,
    handovers,
    open_markets,
    wait_steady,
    write_config,
)
from tests.collector.proxy import TcpProxy
from tests.conftest import through_port

pytestmark = pytest.mark.postgres

LEASE_S = 3.0


def test_fleet_heals_and_loses_nothing(pg_url: str, tmp_path: Path) -> None:
    direct = pg_url
    proxy = TcpProxy(5432)
    proxy.up()
    config = tmp_path / "fleet.yaml"
    sim_config = SimConfig(seed=11, now=SIM_NOW, speed=60, series=SERIES)
    with SimServer(sim_config) as sim:
        write_config(config, sim, through_port(pg_url, proxy.port), LEASE_S)
        events = open_markets(sim)
        assert len(set(events.values())) >= 6
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


def _exercise(members: list[Member], url: str, events: dict[str, str], proxy: TcpProxy) -> None:
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
    check_trades(url, sim)
    assert handovers(url) > 0  # the join moved events, on the tape
