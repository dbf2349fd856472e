"""The leases and members tables of a collector fleet, on PostgreSQL.

`collector_members`: one row per collector process, its heartbeat and what it reports
(markets, messages, lag). `collector_leases`: one row per event held, its holder, the
fencing token (a new value at every new holder) and when it expires. Every time is the
database's own clock (`clock_timestamp()`), so the processes' clocks never have to agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from dataclasses import dataclass
from typing import Any

import psycopg

SCHEMA = """
CREATE TABLE IF NOT EXISTS collector_members (
    member_id     text PRIMARY KEY,
    host          text NOT NULL,
    pid           integer NOT NULL,
    started_at    timestamptz NOT NULL,
    heartbeat_at  timestamptz NOT NULL,
    lease_seconds double precision NOT NULL,
    markets       integer NOT NULL DEFAULT 0,
    messages      bigint NOT NULL DEFAULT 0,
    lag_p50_s     double precision,
    lag_p99_s     double precision
);
CREATE TABLE IF NOT EXISTS collector_leases (
    event_ticker  text PRIMARY KEY,
    holder        text NOT NULL,
    token         bigint NOT NULL,
    acquired_at   timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS collector_lease_tokens;
"""
SCHEMA_LOCK = 7_415_302_611  # advisory lock around CREATE ... IF NOT EXISTS (it races)

# Claims the free or expired rows among `keys` (and rows the database says are ours but
# we lost track of: a claim whose reply never arrived). Returns each claimed event's new
# token and the previous holder's last heartbeat (None when the row was free): the book is
# unknown from that moment until the new holder's first snapshot.
ACQUIRE = """
WITH old AS (
    SELECT l.event_ticker, m.heartbeat_at
    FROM collector_leases l LEFT JOIN collector_members m ON m.member_id = l.holder
    WHERE l.event_ticker = ANY(%(keys)s) AND l.holder <> %(me)s
), claimed AS (
    INSERT INTO collector_leases AS l (event_ticker, holder, token, acquired_at, expires_at)
    SELECT k, %(me)s, nextval('collector_lease_tokens'), clock_timestamp(),
           clock_timestamp() + make_interval(secs => %(ttl)s)
    FROM unnest(%(keys)s::text[]) AS k
    ON CONFLICT (event_ticker) DO UPDATE
    SET holder = EXCLUDED.holder, token = EXCLUDED.token,
        acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
    WHERE l.expires_at < clock_timestamp() OR l.holder = %(me)s
    RETURNING event_ticker, token
)
SELECT c.event_ticker, c.token,
       (extract(epoch FROM o.heartbeat_at) * 1000000)::bigint * 1000
FROM claimed c LEFT JOIN old o USING (event_ticker)
"""
# A holder renews its rows even when they expired while the database was away: nobody
# could take them meanwhile (taking one needs the database), and a row taken since then
# has another holder and token, so the renewal misses it and the holder lets it go.
RENEW = """
UPDATE collector_leases
SET expires_at = clock_timestamp() + make_interval(secs => %(ttl)s)
WHERE holder = %(me)s AND event_ticker = ANY(%(keys)s)
RETURNING event_ticker, token
"""
RELEASE = "DELETE FROM collector_leases WHERE holder = %(me)s AND event_ticker = ANY(%(keys)s)"
HEARTBEAT = """
INSERT INTO collector_members AS m (member_id, host, pid, started_at, heartbeat_at,
    lease_seconds, markets, messages, lag_p50_s, lag_p99_s)
VALUES (%(me)s, %(host)s, %(pid)s, clock_timestamp(), clock_timestamp(), %(ttl)s,
    %(markets)s, %(messages)s, %(p50)s, %(p99)s)
ON CONFLICT (member_id) DO UPDATE
SET heartbeat_at = clock_timestamp(), lease_seconds = EXCLUDED.lease_seconds,
    markets = EXCLUDED.markets, messages = EXCLUDED.messages,
    lag_p50_s = EXCLUDED.lag_p50_s, lag_p99_s = EXCLUDED.lag_p99_s
"""
LIVE = """
SELECT member_id FROM collector_members
WHERE heartbeat_at > clock_timestamp() - make_interval(secs => lease_seconds)
"""
LEAVE = (
    "DELETE FROM collector_leases WHERE holder = %(me)s",
    "DELETE FROM collector_members WHERE member_id = %(me)s",
)


def _swallow(task: asyncio.Future[Any]) -> None:
    """An abandoned call ends in an error once its socket is gone: nobody waits for it."""
    if not task.cancelled():
        task.exception()


@dataclass(frozen=True, slots=True)
class MemberReport:
    """What a member publishes with each heartbeat (shown by `ktape collect status`)."""

    markets: int = 0
    messages: int = 0
    lag_p50_s: float | None = None
    lag_p99_s: float | None = None


def new_member_id(suffix: str) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{suffix}"


class LeaseBook:
    """The fleet tables, through one autocommit connection that reconnects when lost.

    Every call raises `psycopg.Error` when the database cannot be reached; the member
    decides what that means (keep what it holds, claim nothing)."""

    def __init__(
        self,
        url: str,
        member_id: str,
        *,
        connect_timeout_s: float = 3.0,
        call_timeout_s: float = 5.0,
    ) -> None:
        self.url = url
        self.member_id = member_id
        self.connect_timeout_s = connect_timeout_s
        self.call_timeout_s = call_timeout_s  # a call that takes longer counts as an outage
        self._con: psycopg.AsyncConnection[tuple[object, ...]] | None = None

    async def _connection(self) -> psycopg.AsyncConnection[tuple[object, ...]]:
        if self._con is None or self._con.closed:
            self._con = await psycopg.AsyncConnection.connect(
                self.url, autocommit=True, connect_timeout=max(1, int(self.connect_timeout_s))
            )
        return self._con

    async def _execute(self, sql: str, params: dict[str, object]) -> list[tuple[object, ...]]:
        call = asyncio.ensure_future(self._call(sql, params))
        done, _ = await asyncio.wait([call], timeout=self.call_timeout_s)
        if not done:  # a blackholed connection: drop its socket (no round trip), an outage
            self._abandon()
            call.add_done_callback(_swallow)
            raise psycopg.OperationalError(
                f"fleet database call took over {self.call_timeout_s:g} s"
            )
        try:
            return call.result()
        except psycopg.Error:
            await self.close()
            raise

    def _abandon(self) -> None:
        con, self._con = self._con, None
        if con is not None:
            con.pgconn.finish()

    async def _call(self, sql: str, params: dict[str, object]) -> list[tuple[object, ...]]:
        con = await self._connection()
        cur = await con.execute(sql, params)
        return await cur.fetchall() if cur.description else []

    async def ensure_schema(self) -> None:
        con = await self._connection()
        try:
            async with con.transaction():
                await con.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                await con.execute(SCHEMA)
        except psycopg.Error:
            await self.close()
            raise

    async def heartbeat(self, ttl_s: float, report: MemberReport) -> None:
        params: dict[str, object] = {
            "me": self.member_id,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "ttl": ttl_s,
            "markets": report.markets,
            "messages": report.messages,
            "p50": report.lag_p50_s,
            "p99": report.lag_p99_s,
        }
        await self._execute(HEARTBEAT, params)

    async def live_members(self) -> set[str]:
        """Members whose heartbeat is younger than their own lease."""
        return {str(row[0]) for row in await self._execute(LIVE, {})}

    async def acquire(self, keys: list[str], ttl_s: float) -> dict[str, tuple[int, int | None]]:
        """Take the free or expired leases among `keys`: {key: (token, the previous
        holder's last heartbeat in Unix ns, or None when the row was free)}."""
        if not keys:
            return {}
        rows = await self._execute(ACQUIRE, {"me": self.member_id, "keys": keys, "ttl": ttl_s})
        return {
            str(key): (int(str(token)), None if seen is None else int(str(seen)))
            for key, token, seen in rows
        }

    async def renew(self, keys: list[str], ttl_s: float) -> dict[str, int]:
        """Extend the leases this member still holds; returns {key: token} renewed."""
        return await self._keyed(RENEW, keys, ttl_s)

    async def release(self, keys: list[str]) -> None:
        if keys:
            await self._execute(RELEASE, {"me": self.member_id, "keys": keys})

    async def leave(self) -> None:
        """Give everything back at a clean stop, so others take over at once."""
        for sql in LEAVE:
            await self._execute(sql, {"me": self.member_id})

    async def _keyed(self, sql: str, keys: list[str], ttl_s: float) -> dict[str, int]:
        if not keys:
            return {}
        rows = await self._execute(sql, {"me": self.member_id, "keys": keys, "ttl": ttl_s})
        return {str(key): int(str(token)) for key, token in rows}

    async def close(self) -> None:
        con, self._con = self._con, None
        if con is not None and not con.closed:
            with contextlib.suppress(psycopg.Error):
                await con.close()
