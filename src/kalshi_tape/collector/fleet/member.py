"""One collector's part in the fleet: heartbeat, claim its share, renew, let go.

Every third of a lease a member heartbeats, reads the live members, and computes its
share of the candidate events by rendezvous hashing. It lets go of what is no longer its
share: first it stops collecting (`on_change`: unsubscribe, a gap row on the tape), then
it frees the rows (break before make, so no event is recorded twice). It renews what it
keeps and claims what is free or expired. A renewal that misses an event means another
member took it (after an outage): the member stops collecting it at once.

When the database cannot be reached (or a call takes longer than its deadline) the member
keeps what it holds (nobody can take it meanwhile: taking needs the database) and claims
nothing; after a first connection or an outage it only renews for one lease, so every
member is seen alive again before shares move.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

import psycopg

from kalshi_tape.collector.fleet.leases import LeaseBook, MemberReport
from kalshi_tape.collector.fleet.rendezvous import owner_of
from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock

log = logging.getLogger("kalshi_tape.collector.fleet")

SCHEMA_RETRY_S = 2.0


async def _nothing() -> None:
    return None


class FleetMember:
    def __init__(
        self,
        book: LeaseBook,
        *,
        lease_seconds: float,
        clock: Clock = SYSTEM_CLOCK,
        on_change: Callable[[], Awaitable[None]] = _nothing,
        report: Callable[[], MemberReport] = MemberReport,
    ) -> None:
        if lease_seconds <= 0:
            raise ValueError(f"lease_seconds must be > 0, got {lease_seconds}")
        self.book = book
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.on_change = on_change
        self.report = report
        self.held: dict[str, int] = {}  # event ticker -> fencing token
        self.since: dict[str, int] = {}  # event claimed -> when its book became unknown (ns)
        self.candidates: set[str] = set()
        self.db_ok = False
        self.lost = 0  # leases another member took from us
        self.heartbeat_ns: int | None = None  # our clock at the last heartbeat written
        self._claim_after = 0.0  # monotonic: claim nothing before (after an outage)
        self._told: frozenset[str] = frozenset()  # the held set on_change last acted on

    @property
    def member_id(self) -> str:
        return self.book.member_id

    @property
    def period_seconds(self) -> float:
        return self.lease_seconds / 3

    def mine(self, event_ticker: str) -> bool:
        return event_ticker in self.held

    def offer(self, events: Iterable[str]) -> None:
        """The events worth collecting, as the last discovery found them."""
        self.candidates = set(events)

    async def cycle(self) -> None:
        """One round: heartbeat, shares, release, renew, claim; `on_change` whenever the
        set of events held changes (before rows are released)."""
        try:
            await self.book.heartbeat(self.lease_seconds, self.report())
            self.heartbeat_ns = self.clock.now_ns()
            live = await self.book.live_members() | {self.member_id}
            if not self.db_ok:  # first connection or back after an outage: renew only
                self._claim_after = self.clock.monotonic() + self.lease_seconds
                self.db_ok = True
            await self._rebalance(live)
        except psycopg.Error as exc:
            if self.db_ok:
                log.warning(
                    "fleet database unreachable, keeping %d events: %s", len(self.held), exc
                )
            self.db_ok = False
        await self._tell()

    def share(self, live: set[str]) -> set[str]:
        return {e for e in self.candidates if owner_of(e, live) == self.member_id}

    async def _rebalance(self, live: set[str]) -> None:
        wanted = self.share(live)
        going = sorted(self.held.keys() - wanted)
        for event in going:
            del self.held[event]
        await self._tell()  # stop collecting them before anyone can take them
        await self.book.release(going)
        kept = sorted(self.held)
        renewed = await self.book.renew(kept, self.lease_seconds)
        taken = set(kept) - renewed.keys()
        if taken:
            self.lost += len(taken)
            log.warning("fleet: %d event(s) taken over by another member", len(taken))
        self.held = renewed
        if self.clock.monotonic() >= self._claim_after:
            claimed = await self.book.acquire(sorted(wanted - renewed.keys()), self.lease_seconds)
            now = self.clock.now_ns()
            for event, (token, seen_ns) in claimed.items():
                self.held[event] = token
                self.since[event] = now if seen_ns is None else min(now, seen_ns)

    async def _tell(self) -> None:
        """Run `on_change` if the held set differs from what it last acted on; an error is
        logged and retried next round (the held set stays what the leases say)."""
        now_held = frozenset(self.held)
        if now_held == self._told:
            return
        try:
            await self.on_change()
        except Exception:
            log.exception("fleet: applying a change of leases failed; retrying next round")
            return
        self._told = now_held

    async def run(self, stop: asyncio.Event) -> None:
        """Cycle until `stop` is set, then give every lease back."""
        await self._schema(stop)
        while not stop.is_set():
            await self.cycle()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.period_seconds)
        await self.leave()

    async def leave(self) -> None:
        try:
            await self.book.leave()
        except psycopg.Error as exc:  # the leases expire on their own
            log.warning("fleet: could not give leases back: %s", exc)
        self.held.clear()
        await self.book.close()

    async def _schema(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.book.ensure_schema()
                return
            except psycopg.Error as exc:
                log.warning("fleet tables unreachable, retrying: %s", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), SCHEMA_RETRY_S)
