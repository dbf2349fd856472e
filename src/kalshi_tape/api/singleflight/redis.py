"""Single-flight through Redis: `SET lock token NX PX ttl`, the result under its own key."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from kalshi_tape.api.singleflight.base import POLL_S, FlightError, Make
from kalshi_tape.core.clock import Clock

# Delete the lock only if it is still ours (it may have expired and been taken since).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisFlight:
    name = "redis"

    def __init__(self, url: str, prefix: str, lock_ttl_s: float, clock: Clock) -> None:
        import redis.asyncio as aioredis  # the [api] extra

        self._redis: Any = aioredis.from_url(url, decode_responses=True)
        self._prefix = prefix
        self._lock_ms = max(1, int(lock_ttl_s * 1000))
        self._clock = clock

    async def run(self, key: str, make: Make, ttl_s: float) -> str:
        lock, result_key = f"{self._prefix}lock:{key}", f"{self._prefix}result:{key}"
        try:
            while True:
                found = await self._redis.get(result_key)
                if found is not None:
                    return str(found)
                token = secrets.token_hex(16)
                if await self._redis.set(lock, token, nx=True, px=self._lock_ms):
                    return await self._hold(lock, token, result_key, make, ttl_s)
                await asyncio.sleep(POLL_S)  # another worker holds it (or it expires)
        except OSError as exc:
            raise FlightError(f"Redis: {exc}") from exc
        except Exception as exc:
            if type(exc).__module__.startswith("redis"):
                raise FlightError(f"Redis: {exc}") from exc
            raise

    async def _hold(self, lock: str, token: str, result_key: str, make: Make, ttl_s: float) -> str:
        try:
            found = await self._redis.get(result_key)
            if found is not None:  # stored between our read and our lock
                return str(found)
            result = await make()
            await self._redis.set(result_key, result, px=max(1, int(ttl_s * 1000)))
            return result
        finally:
            await self._redis.eval(_RELEASE, 1, lock, token)

    async def aclose(self) -> None:
        await self._redis.aclose()
