"""Issue 22's fleet acceptance with real processes: three `ktape collect --fleet` on a
PostgreSQL cluster of the test's own and the simulator. Every market is held by exactly
one collector at steady state (leases, reported markets and each process's /metrics agree);
`kill -9` of one: its events leased again within two lease periods; a real PostgreSQL
restart (crash stop, down longer than a lease, start); then the same again (join, steady,
`kill -9`, healed in two leases); trades against the simulator's: none lost, none twice.
`ktape collect status` and /metrics show holders, lag and heartbeat throughout."""

from __future__ import annotations

import json
import math
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kalshi_tape.collector.fleet import FleetStatus, owner_of, read_status
from kalshi_tape.collector.fleet_cli import status_command
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
from tests.collector.pg_cluster import PgCluster, available

pytestmark = pytest.mark.postgres

LEASE_S = 3.0


@pytest.fixture
def cluster() -> Iterator[PgCluster]:
    reason = available()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with PgCluster.create() as made:
        yield made


def wait_leased(url: str, events: set[str], members: int, timeout: float) -> float:
    """Seconds until `members` are alive and every event is leased by its live owner."""
    t0 = time.monotonic()
    while True:
        status = read_status(url)
        alive = {m.member_id for m in status.members if m.alive}
        held = {lease.event_ticker: lease.holder for lease in status.leases}
        if len(alive) == members and all(held.get(e) == owner_of(e, alive) for e in events):
            return time.monotonic() - t0
        assert time.monotonic() - t0 < timeout, json.dumps(status.as_json())[:3000]
        time.sleep(0.05)


def kill_one(members: list[Member], url: str, markets: dict[str, str]) -> float:
    """`kill -9` a live member holding events; seconds until they are leased again."""
    status = read_status(url)
    by_pid = {m.pid: m.member_id for m in status.members if m.alive}
    holders = {lease.holder for lease in status.leases}
    victim = next(m for m in members if by_pid.get(m.proc.pid) in holders)
    victim_id = by_pid[victim.proc.pid]
    orphaned = {lease.event_ticker for lease in status.leases if lease.holder == victim_id}
    victim.proc.send_signal(signal.SIGKILL)
    victim.proc.wait()
    live = sum(1 for m in members if m.proc.poll() is None)
    healed_s = wait_leased(url, set(markets.values()), live, timeout=20 * LEASE_S)
    healed = wait_steady(url, markets, live, timeout=10 * LEASE_S)
    taken = {lease.holder for lease in healed.leases if lease.event_ticker in orphaned}
    assert victim_id not in taken
    return healed_s


def check_views(url: str, members: list[Member], status: FleetStatus) -> None:
    """`ktape collect status --json` and each live process's /metrics say who holds what,
    the lag and a fresh heartbeat, the same as the lease table."""
    body = json.loads(CliRunner().invoke(status_command, ["--db", url, "--json"]).output)
    alive = [m for m in body["members"] if m["alive"]]
    assert all(m["heartbeat_age_s"] <= LEASE_S and m["lag_p99_s"] is not None for m in alive)
    leases = {lease.event_ticker: lease.holder for lease in status.leases}
    assert sum(m["events"] for m in alive) == len(leases)
    by_pid = {m["pid"]: m["member_id"] for m in alive}
    seen: dict[str, str] = {}
    now = time.time()
    for member in (m for m in members if m.proc.poll() is None):
        samples = member.metrics()
        held = {
            k.split('"')[1] for k in samples if k.startswith("ktape_collect_fleet_lease{event=")
        }
        member_id = by_pid[member.proc.pid]
        assert held == {e for e, h in leases.items() if h == member_id}
        assert not held & seen.keys()  # no event in two processes' metrics
        seen |= dict.fromkeys(held, member_id)
        beat = samples["ktape_collect_fleet_heartbeat_timestamp_seconds"]
        assert now - beat <= 2 * LEASE_S and samples["ktape_collect_fleet_db_up"] == 1
        assert math.isfinite(samples["ktape_collect_write_lag_p99_seconds"])
    assert seen.keys() == leases.keys()


def steady(url: str, members: list[Member], markets: dict[str, str], n: int) -> None:
    wait_steady(url, markets, n, timeout=40 * LEASE_S)
    time.sleep(LEASE_S / 2)  # a flush and a heartbeat after the last reassignment
    check_views(url, members, wait_steady(url, markets, n, timeout=10 * LEASE_S))


def finish(sim: SimServer, members: list[Member]) -> None:
    """Freeze the simulator, let every live member sweep twice, stop them cleanly."""
    live = [m for m in members if m.proc.poll() is None]
    with admin(sim) as sim_admin:
        sim_admin.post("/pause")
    for m in live:
        await_sweeps(m.metrics_port, trade_sweeps(m.metrics_port) + 2, m.proc)
    for m in live:
        m.proc.send_signal(signal.SIGTERM)
    for m in live:
        assert m.proc.wait(timeout=30) == 0, m.log()


def test_fleet_heals_across_kill9_and_a_postgresql_restart(
    cluster: PgCluster, tmp_path: Path
) -> None:
    config = tmp_path / "fleet.yaml"
    url = cluster.url
    with SimServer(SimConfig(seed=11, now=SIM_NOW, speed=60, series=SERIES)) as sim:
        write_config(config, sim, url, LEASE_S)
        markets = open_markets(sim)
        members = [Member(config, tmp_path / f"spool{i}") for i in range(3)]
        try:
            steady(url, members, markets, 3)
            healed = [kill_one(members, url, markets)]
            down_s = cluster.restart(down_s=LEASE_S + 1)
            steady(url, members, markets, 2)  # both survivors through the restart
            members.append(Member(config, tmp_path / "spool3"))
            steady(url, members, markets, 3)
            healed.append(kill_one(members, url, markets))
            steady(url, members, markets, 2)
            finish(sim, members)
        finally:
            for m in members:
                if m.proc.poll() is None:
                    m.proc.kill()
        print(f"healed in {healed} s, PostgreSQL down {down_s:.1f} s")
        assert all(s <= 2 * LEASE_S for s in healed), f"healed in {healed} s, bound {2 * LEASE_S}"
        trades = check_trades(url, sim)
    print(f"{trades} trades, each stored once")
    assert handovers(url) > 0
    assert read_status(url).leases == ()  # the clean stops gave everything back
