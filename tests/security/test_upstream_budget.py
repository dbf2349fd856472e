"""Nobody drains the Kalshi budget: 32 clients (each on its own loopback address, keys
off) sending random unknown tickers for a few seconds cost at most a stated number of
upstream requests, counted at the simulator, while a known market's candles keep
answering within 0.5 s. Refusals are immediate 404s (unknown series remembered) or 503s
with Retry-After (budget spent), never a queue.

On the old code every distinct unknown ticker cost two upstream requests, unbounded."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kalshi_tape.api.budget import FLIGHT_REQUESTS
from kalshi_tape.serving import free_port
from kalshi_tape.sim.server import SimServer
from tests.api.conftest import SETTLED_EVENT, sim_config, sim_requests
from tests.security.test_log_redaction import _wait_up

CLIENTS = 32
STORM_S = 4.0
SHARE = 0.05  # of the simulator's "unlimited" 100 flights/s: 5 flights/s, burst 10
GLOBAL_RATE, GLOBAL_BURST, RESERVE = 5.0, 10.0, 0.5
ADDRESS_RATE = 5  # requests/s per address (keys off), as docs/security.md advises


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(sim_config()) as server:
        yield server


def _unknown_ticker(rng: random.Random, client: int) -> str:
    if client % 2:  # half under one unknown series, half under random unknown series
        return f"KXNOPE-{rng.randrange(10**6)}-B{rng.randrange(100)}"
    letters = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(6))
    return f"KX{letters}-26NOV17-B{rng.randrange(100)}"


def _client(url: str, address: str) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=url, transport=transport, timeout=10)


async def _abuser(
    http: httpx.AsyncClient, client: int, until: float, statuses: list[tuple[int, str]]
) -> None:
    rng = random.Random(client)
    while time.monotonic() < until:
        answer = await http.get(f"/v1/candles/{_unknown_ticker(rng, client)}")
        statuses.append((answer.status_code, answer.headers.get("retry-after", "")))


async def _known(
    http: httpx.AsyncClient, ticker: str, until: float, latencies: list[float]
) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        answer = await http.get(f"/v1/candles/{ticker}", params={"period": 60})
        latencies.append(time.perf_counter() - started)
        assert answer.status_code == 200 and answer.json()["candles"]
        await asyncio.sleep(0.25)  # a normal client: within its address limit


def _serve(sim: SimServer, tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    """`ktape serve` in its own process (the test's 33 clients must not share its GIL)."""
    port = free_port()
    env = {
        **os.environ,
        "KALSHI_BASE_URL": sim.base_url,
        "KALSHI_TIER": "unlimited",
        "KTAPE_API_UPSTREAM_SHARE": str(SHARE),
        "KTAPE_API_KNOWN_RESERVE": str(RESERVE),
        "KTAPE_API_CLIENT_UPSTREAM_RATE_PER_S": "0.5",
        "KTAPE_API_CLIENT_UPSTREAM_BURST": "2",
        "KTAPE_API_RESPONSE_CACHE_TTL_S": "0",  # every known read is a real read
        "KTAPE_API_ADDRESS_RATE_PER_S": str(ADDRESS_RATE),  # keys off: limit per address
        "KTAPE_API_ADDRESS_BURST": "5",
    }
    db = f"duckdb:///{tmp_path / 'w.duckdb'}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kalshi_tape", "serve", "--db", db, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    _wait_up(url + "/healthz")
    return proc, url


def test_random_unknown_tickers_cannot_drain_the_upstream_budget(
    sim: SimServer, tmp_path: Path
) -> None:
    proc, url = _serve(sim, tmp_path)
    try:
        primed = httpx.get(f"{url}/v1/events/{SETTLED_EVENT}/candles?period=60", timeout=30)
        known = primed.json()["candles"][0]["market_ticker"]
        httpx.get(f"{url}/v1/candles/{known}?period=60")  # warm: the first read of a market
        before = sim_requests(sim)["requests_total"]
        statuses: list[tuple[int, str]] = []
        latencies: list[float] = []

        async def storm() -> float:
            # the clients are built first (33 TLS contexts cost the test process ~1 s)
            good = _client(url, "127.0.0.2")
            bad = [_client(url, f"127.0.0.{10 + c}") for c in range(CLIENTS)]
            started = time.monotonic()
            until = started + STORM_S
            await asyncio.gather(
                _known(good, known, until, latencies),
                *(_abuser(http, c, until, statuses) for c, http in enumerate(bad)),
            )
            elapsed = time.monotonic() - started
            for http in (good, *bad):
                await http.aclose()
            return elapsed

        elapsed = asyncio.run(storm())
        spent = sim_requests(sim)["requests_total"] - before
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    # the bound: unknown-ticker flights get the global budget above the reserve, at most
    # (burst - reserve) + rate x time, each at most FLIGHT_REQUESTS requests
    flights = GLOBAL_BURST * (1 - RESERVE) + GLOBAL_RATE * elapsed
    bound = FLIGHT_REQUESTS * flights
    slowest = max(latencies)
    print(
        f"{len(statuses)} abusive requests in {elapsed:.1f}s, {spent} upstream requests "
        f"(bound {bound:.0f}); known market slowest {slowest * 1e3:.0f} ms"
    )
    assert spent <= bound
    assert len(statuses) > 20 * max(spent, 1)  # the abusers were answered, not queued
    assert {s for s, _ in statuses} <= {404, 429, 503}
    assert any(s == 503 for s, _ in statuses)  # the budget, not luck, bounded it
    assert all(retry for s, retry in statuses if s in (429, 503))
    assert slowest < 0.5, f"known market slowest {slowest:.3f}s"
