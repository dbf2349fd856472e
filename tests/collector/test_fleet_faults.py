"""The fleet under the faults an independent review found: a claim whose reply is lost, a
standby back from an outage, a handover's order, an `on_change` that raises, a blackholed
connection, members with different lease lengths, NaN lag in the status."""

from __future__ import annotations

import asyncio
import json

import psycopg
import pytest
from click.testing import CliRunner

from kalshi_tape.collector.fleet import FleetMember, LeaseBook, MemberReport, read_status
from kalshi_tape.collector.fleet_cli import status_command
from kalshi_tape.core.clock import ManualClock
from tests.collector.proxy import TcpProxy
from tests.conftest import through_port

pytestmark = pytest.mark.postgres

EVENTS = [f"KXHIGHNY-26DEC{d:02d}" for d in range(1, 11)]
LEASE = 1.0


def holders(u: str) -> dict[str, str]:
    return {lease.event_ticker: lease.holder for lease in read_status(u).leases}


def member(u: str, name: str, clock: ManualClock, events: list[str] = EVENTS) -> FleetMember:
    m = FleetMember(LeaseBook(u, name), lease_seconds=LEASE, clock=clock)
    m.offer(events)
    return m


async def settle(*members: FleetMember, clock: ManualClock, rounds: int = 2) -> None:
    for _ in range(rounds):
        for m in members:
            await m.cycle()
        clock.advance(LEASE)


class LostReplyBook(LeaseBook):
    """acquire() commits in PostgreSQL, then the connection drops before the reply."""

    drop_next = False

    async def acquire(self, keys: list[str], ttl_s: float) -> dict[str, tuple[int, int | None]]:
        got = await super().acquire(keys, ttl_s)
        if self.drop_next and got:
            self.drop_next = False
            await self.close()
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return got


async def test_a_claim_whose_reply_was_lost_is_adopted(pg_url: str) -> None:
    clock = ManualClock()
    book = LostReplyBook(pg_url, "a")
    a = FleetMember(book, lease_seconds=LEASE, clock=clock)
    a.offer(EVENTS)
    await book.ensure_schema()
    await settle(a, clock=clock, rounds=1)
    book.drop_next = True
    await a.cycle()  # the rows say "a", a does not know
    assert a.held == {}
    await settle(a, clock=clock, rounds=3)
    assert set(a.held) == set(EVENTS)
    await book.close()


async def test_a_standby_back_from_an_outage_takes_nothing(pg_url: str) -> None:
    proxy = TcpProxy(5432)
    proxy.up()
    clock = ManualClock()
    a, b = (member(through_port(pg_url, proxy.port), n, clock, EVENTS[:1]) for n in "ab")
    await a.book.ensure_schema()
    await settle(a, b, clock=clock, rounds=3)
    holder, standby = (a, b) if a.held else (b, a)
    assert holder.held and not standby.held
    proxy.down()
    await settle(holder, standby, clock=clock, rounds=1)
    await asyncio.sleep(2 * LEASE)  # longer than a lease
    proxy.up()
    await standby.cycle()  # back first: every heartbeat is stale, every row expired
    assert not standby.held
    await settle(holder, standby, clock=clock, rounds=2)
    assert holder.lost == 0 and set(holder.held) == set(EVENTS[:1]) and not standby.held
    for m in (a, b):
        await m.book.close()
    proxy.down()


async def test_a_handover_stops_collecting_before_the_rows_are_free(pg_url: str) -> None:
    clock = ManualClock()
    u = pg_url
    a, b = member(u, "a", clock), member(u, "b", clock)
    await a.book.ensure_schema()
    taken_early: list[int] = []

    async def a_changed() -> None:  # a's unsubscribe: none of a's old rows may be free yet
        rows = holders(u)
        taken_early.append(sum(1 for e, h in rows.items() if h != "a" and e not in a.held))

    a.on_change = a_changed
    await settle(a, clock=clock)
    await settle(b, a, b, clock=clock)
    assert b.held and a.held and taken_early and max(taken_early) == 0
    for m in (a, b):
        await m.book.close()


async def test_an_on_change_that_raises_is_retried(pg_url: str) -> None:
    clock = ManualClock()
    a = member(pg_url, "a", clock)
    calls: list[int] = []

    async def flaky() -> None:
        calls.append(len(a.held))
        if len(calls) == 1:
            raise RuntimeError("subscribe failed")

    a.on_change = flaky
    await a.book.ensure_schema()
    await settle(a, clock=clock, rounds=3)
    assert calls == [len(EVENTS), len(EVENTS)]  # failed once, applied at the next round
    await a.book.close()


class Blackhole:
    """Forwards until `hole` is set, then silently drops bytes (no reset)."""

    def __init__(self) -> None:
        self.hole = False
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def serve(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        ur, uw = await asyncio.open_connection("127.0.0.1", 5432)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            while data := await src.read(65536):
                if not self.hole:
                    dst.write(data)
                    await dst.drain()

        await asyncio.gather(pipe(r, uw), pipe(ur, w), return_exceptions=True)


async def test_a_blackholed_database_is_an_outage_not_a_hang(pg_url: str) -> None:
    hole = Blackhole()
    await hole.start()
    clock = ManualClock()
    book = LeaseBook(through_port(pg_url, hole.port), "a", call_timeout_s=0.5)
    a = FleetMember(book, lease_seconds=LEASE, clock=clock)
    a.offer(EVENTS)
    await book.ensure_schema()
    await settle(a, clock=clock)
    hole.hole = True
    await asyncio.wait_for(a.cycle(), 3.0)  # returns: the call deadline cut it
    assert not a.db_ok and set(a.held) == set(EVENTS)  # kept, claims nothing new
    hole.server.close()
    await book.close()


async def test_liveness_is_by_each_members_own_lease(pg_url: str) -> None:
    u = pg_url
    slow, fast = LeaseBook(u, "slow"), LeaseBook(u, "fast")
    await slow.ensure_schema()
    await slow.heartbeat(600.0, MemberReport())  # alive however slow the sleep below
    await fast.heartbeat(1.0, MemberReport())
    await asyncio.sleep(1.5)
    assert await fast.live_members() == {"slow"}  # fast's own heartbeat is stale by now
    for book in (slow, fast):
        await book.close()


async def test_status_json_is_valid_before_the_first_commit(pg_url: str) -> None:
    u = pg_url
    book = LeaseBook(u, "a")
    await book.ensure_schema()
    await book.heartbeat(5, MemberReport(0, 0, None, None))
    await book.close()
    out = CliRunner().invoke(status_command, ["--db", u, "--json"]).output
    body = json.loads(out)
    assert body["members"][0]["lag_p99_s"] is None
