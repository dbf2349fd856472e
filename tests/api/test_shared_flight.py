"""`ktape serve --workers 2` on PostgreSQL: one upstream fetch across both workers.

Upstream is the simulator over loopback; its request counters say how often it was
asked. Shared through a real Redis (KTAPE_REDIS_URL), else through advisory locks.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest

from kalshi_tape.api.server import free_port
from kalshi_tape.sim.server import SimServer
from tests.api.conftest import SETTLED_EVENT, sim_requests
from tests.api.test_fetch_through import EVENT_CANDLES_ROUTE, event_markets

pytestmark = pytest.mark.postgres
REDIS_URL = "redis://127.0.0.1:6379/0"
CANDLE_ROUTES = ("candlesticks",)


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis server at {REDIS_URL} ({exc}); .ci/run starts one")


def serve_workers(
    db_url: str, base_url: str, tmp: Path, extra: dict[str, str]
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KTAPE_", "KALSHI_"))}
    env.update(
        KALSHI_BASE_URL=base_url,
        KALSHI_TIER="unlimited",
        KTAPE_API_RESPONSE_CACHE_TTL_S="0",
        KTAPE_API_CLIENT_UPSTREAM_BURST="200",
        **extra,
    )
    cmd = [sys.executable, "-m", "kalshi_tape", "serve", "--db", db_url]
    cmd += ["--port", str(port), "--workers", "2"]
    log = (tmp / "serve.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz").raise_for_status()
            return proc, f"http://127.0.0.1:{port}"
        except httpx.HTTPError:
            assert proc.poll() is None, (tmp / "serve.log").read_text()
            assert time.monotonic() < deadline, "ktape serve did not come up"
            time.sleep(0.3)


async def fifty_at_once(url: str) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        return await asyncio.gather(*(client.get(url, params={"period": 60}) for _ in range(50)))


def one_fetch_across_workers(sim: SimServer, pg_url: str, tmp: Path, extra: dict[str, str]) -> None:
    ticker = event_markets(sim, SETTLED_EVENT)[1]
    before = sim_requests(sim)["requests_by_route"]
    proc, api = serve_workers(pg_url, sim.base_url, tmp, extra)
    try:
        answers = asyncio.run(fifty_at_once(f"{api}/v1/candles/{ticker}"))
    finally:
        proc.terminate()
        proc.wait(20)
    assert [a.status_code for a in answers] == [200] * 50, answers[0].text
    bodies = [a.json() for a in answers]
    assert all(b["candles"] == bodies[0]["candles"] and b["candles"] for b in bodies)
    after = sim_requests(sim)["requests_by_route"]
    asked = {r: after.get(r, 0) - before.get(r, 0) for r in after}
    assert asked.get(EVENT_CANDLES_ROUTE) == 1, asked
    candle_fetches = sum(n for r, n in asked.items() if "candlesticks" in r)
    assert candle_fetches == 1, asked


def test_fifty_requests_one_fetch_through_redis(
    sim: SimServer, pg_url: str, tmp_path: Path
) -> None:
    redis_or_skip()
    import redis

    prefix = f"ktape:test:{uuid.uuid4().hex}:"
    extra = {"KTAPE_REDIS_URL": REDIS_URL, "KTAPE_API_FLIGHT_PREFIX": prefix}
    try:
        one_fetch_across_workers(sim, pg_url, tmp_path, extra)
        keys = redis.Redis.from_url(REDIS_URL).keys(f"{prefix}*")
        assert any(b"result:event:" in k for k in keys), keys  # the result was shared there
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


def test_fifty_requests_one_fetch_through_advisory_locks(
    sim: SimServer, pg_url: str, tmp_path: Path
) -> None:
    one_fetch_across_workers(sim, pg_url, tmp_path, {})
    with psycopg.connect(pg_url) as conn:
        keys = [k for (k,) in conn.execute("SELECT key FROM api_flights")]
    assert any(k.startswith("event:") for k in keys), keys


def test_workers_starting_together_all_create_the_results_table(pg_url: str) -> None:
    """`CREATE TABLE IF NOT EXISTS` races in PostgreSQL (a duplicate catalog row): every
    worker's first flight must still work when they start at the same moment."""
    from kalshi_tape.api.singleflight.postgres import PostgresFlight

    async def answer() -> str:
        return "{}"

    async def start_together() -> list[str]:
        flights = [PostgresFlight(pg_url) for _ in range(16)]
        return await asyncio.gather(*(f.run(f"k{i}", answer, 60) for i, f in enumerate(flights)))

    assert asyncio.run(start_together()) == ["{}"] * 16
