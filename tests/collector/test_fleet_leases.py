"""The fleet's leases on a real PostgreSQL: shares split without overlap, a dead member's
events taken over once their leases expire, a clean leave handed over at once, fencing
tokens that change at every new holder, and an outage that moves nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from kalshi_tape.collector.fleet import FleetMember, LeaseBook, owner_of, read_status
from kalshi_tape.core.clock import ManualClock
from tests.collector.proxy import TcpProxy

pytestmark = pytest.mark.postgres

EVENTS = [f"KXHIGHNY-26DEC{day:02d}" for day in range(1, 31)]
LEASE_S = 1.0


@pytest.fixture
def fleet_db(pg_url: str) -> str:
    return pg_url


def member(url: str, name: str, clock: ManualClock) -> FleetMember:
    fleet = FleetMember(LeaseBook(url, name), lease_seconds=LEASE_S, clock=clock)
    fleet.offer(EVENTS)
    return fleet


@pytest.fixture
async def trio(fleet_db: str) -> AsyncIterator[list[FleetMember]]:
    clock = ManualClock()
    members = [member(fleet_db, f"m{i}", clock) for i in range(3)]
    await members[0].book.ensure_schema()
    yield members
    for m in members:
        await m.book.close()


async def rounds(members: list[FleetMember], n: int = 3) -> None:
    """`n` rounds of every member, a lease apart on the members' (manual) clock."""
    for _ in range(n):
        for m in members:
            await m.cycle()
        clock = members[0].clock
        assert isinstance(clock, ManualClock)
        clock.advance(LEASE_S)


def holders(url: str) -> dict[str, str]:
    return {lease.event_ticker: lease.holder for lease in read_status(url).leases}


async def test_shares_split_without_overlap(trio: list[FleetMember], fleet_db: str) -> None:
    await rounds(trio)
    held = [set(m.held) for m in trio]
    assert set().union(*held) == set(EVENTS)
    assert sum(len(h) for h in held) == len(EVENTS)  # each event held once
    assert all(held)  # everybody got a share
    live = {m.member_id for m in trio}
    for m in trio:  # the share is the rendezvous one
        assert set(m.held) == {e for e in EVENTS if owner_of(e, live) == m.member_id}
    assert holders(fleet_db) == {e: m.member_id for m in trio for e in m.held}


async def test_a_dead_member_is_taken_over_within_two_leases(
    trio: list[FleetMember], fleet_db: str
) -> None:
    await rounds(trio)
    dead, alive = trio[0], trio[1:]
    orphaned = dict(dead.held)
    # A lease of the database's clock since the dead one's last renewal (a sleep never
    # ends early, so load only lengthens it): its leases expired, nothing more waited for.
    await asyncio.sleep(LEASE_S)
    await rounds(alive, 2)  # two leases of the members' clock
    assert set().union(*(m.held for m in alive)) == set(EVENTS), "not taken over"
    assert not set(alive[0].held) & set(alive[1].held)
    tokens = {e: t for m in alive for e, t in m.held.items()}
    assert all(tokens[e] != orphaned[e] for e in orphaned)  # a new fencing token each
    await dead.cycle()  # the dead one comes back: its renewals miss, it lets go
    assert dead.lost == len(orphaned)
    assert not set(dead.held) & set(orphaned)


async def test_a_clean_leave_hands_over_at_once(trio: list[FleetMember], fleet_db: str) -> None:
    await rounds(trio)
    await trio[0].leave()
    await rounds(trio[1:], 2)  # no waiting for an expiry
    assert set(trio[1].held) | set(trio[2].held) == set(EVENTS)
    assert {m.member_id for m in read_status(fleet_db).members} == {"m1", "m2"}


async def test_a_joining_member_takes_only_its_share(fleet_db: str) -> None:
    clock = ManualClock()
    first, second = member(fleet_db, "a", clock), member(fleet_db, "b", clock)
    await first.book.ensure_schema()
    await first.cycle()
    assert first.held == {}  # a first connection claims nothing for a lease
    await rounds([first], 2)
    assert set(first.held) == set(EVENTS)
    before = dict(first.held)
    await rounds([second, first, second])
    assert set(first.held) | set(second.held) == set(EVENTS)
    assert not set(first.held) & set(second.held)
    assert all(first.held[e] == before[e] for e in first.held)  # kept ones keep their token
    for m in (first, second):
        await m.book.close()


async def test_an_outage_moves_nothing(fleet_db: str) -> None:
    proxy = TcpProxy(5432)
    proxy.up()
    name = fleet_db.rsplit("/", 1)[1]
    via_proxy = f"postgresql://postgres@127.0.0.1:{proxy.port}/{name}"
    clock = ManualClock()
    members = [member(via_proxy, f"m{i}", clock) for i in range(2)]
    await members[0].book.ensure_schema()
    await rounds(members)
    before = [dict(m.held) for m in members]
    proxy.down()
    await rounds(members, 1)
    assert not any(m.db_ok for m in members)
    assert [m.held for m in members] == before  # kept through the outage
    await asyncio.sleep(2 * LEASE_S)  # every lease expired in the database meanwhile
    proxy.up()
    await rounds(members, 3)
    assert [m.held for m in members] == before  # renewed, same tokens, nobody took over
    clock.advance(LEASE_S)  # after a lease of renewing only, claims resume
    await rounds(members, 1)
    assert [m.held for m in members] == before
    for m in members:
        await m.book.close()
    proxy.down()


async def test_status_on_a_database_without_a_fleet(fleet_db: str) -> None:
    status = read_status(fleet_db)
    assert status.members == () and status.leases == ()


def test_rendezvous_moves_only_what_must_move() -> None:
    three = {"a", "b", "c"}
    before = {e: owner_of(e, three) for e in EVENTS}
    after = {e: owner_of(e, three - {"c"}) for e in EVENTS}
    moved = {e for e in EVENTS if before[e] != after[e]}
    assert moved == {e for e in EVENTS if before[e] == "c"}
    assert owner_of("X", []) is None


async def test_collect_status_shows_members_and_leases(
    trio: list[FleetMember], fleet_db: str
) -> None:
    from click.testing import CliRunner

    from kalshi_tape.collector.cli import collect_command

    await rounds(trio)
    result = CliRunner().invoke(collect_command, ["status", "--db", fleet_db, "--leases"])
    assert result.exit_code == 0, result.output
    assert "m0" in result.output and "alive" in result.output
    assert f"{len(EVENTS)} leases, 0 held by no live member" in result.output
    as_json = CliRunner().invoke(collect_command, ["status", "--db", fleet_db, "--json"])
    body = __import__("json").loads(as_json.output)
    assert sum(m["events"] for m in body["members"]) == len(EVENTS)
