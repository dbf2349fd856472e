"""Single-flight through PostgreSQL advisory locks; results in the `api_flights` table."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from typing import Any

from kalshi_tape.api.singleflight.base import POLL_S, FlightError, Make

_TABLE = """
CREATE TABLE IF NOT EXISTS api_flights (
    key TEXT PRIMARY KEY, result TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL
)"""
_READ = "SELECT result FROM api_flights WHERE key = %s AND expires_at > now()"
_WRITE = """
INSERT INTO api_flights (key, result, expires_at)
VALUES (%s, %s, now() + make_interval(secs => %s))
ON CONFLICT (key) DO UPDATE SET result = excluded.result, expires_at = excluded.expires_at
"""


def lock_id(key: str) -> int:
    """A signed 64-bit advisory lock id from the key."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


class PostgresFlight:
    name = "postgres"

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._ready = False

    async def _connect(self) -> Any:
        import psycopg  # the [postgres] extra

        try:
            conn = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
            if not self._ready:
                await _create_table(conn)
                self._ready = True
        except psycopg.Error as exc:
            raise FlightError(f"PostgreSQL: {exc}") from exc
        return conn

    async def run(self, key: str, make: Make, ttl_s: float) -> str:
        import psycopg

        conn = await self._connect()
        try:
            return await self._run(conn, key, make, ttl_s)
        except psycopg.Error as exc:
            raise FlightError(f"PostgreSQL: {exc}") from exc
        finally:
            await conn.close()

    async def _run(self, conn: Any, key: str, make: Make, ttl_s: float) -> str:
        while True:
            found = await _one(conn, _READ, (key,))
            if found is not None:
                return str(found[0])
            if (await _one(conn, "SELECT pg_try_advisory_lock(%s)", (lock_id(key),)))[0]:
                return await self._hold(conn, key, make, ttl_s)
            await asyncio.sleep(POLL_S)  # held elsewhere; a dead session frees it

    async def _hold(self, conn: Any, key: str, make: Make, ttl_s: float) -> str:
        try:
            found = await _one(conn, _READ, (key,))
            if found is not None:  # stored between our read and our lock
                return str(found[0])
            result = await make()
            await conn.execute(_WRITE, (key, result, ttl_s))
            return result
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (lock_id(key),))

    async def aclose(self) -> None:
        return None


async def _create_table(conn: Any) -> None:
    """Create the results table; the workers start together, so one may lose the race
    (`IF NOT EXISTS` is not atomic in PostgreSQL: a duplicate catalog row is raised)."""
    import psycopg

    errors = psycopg.errors
    lost_race = (errors.UniqueViolation, errors.DuplicateTable, errors.DuplicateObject)
    with contextlib.suppress(*lost_race):  # another worker created it meanwhile
        await conn.execute(_TABLE)


async def _one(conn: Any, sql: str, args: tuple[object, ...]) -> Any:
    return await (await conn.execute(sql, args)).fetchone()
