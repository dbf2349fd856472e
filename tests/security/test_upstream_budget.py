"""Nobody drains the Kalshi budget: 32 clients (each on its own loopback address, keys
off) sending random unknown tickers cost at most a stated number of upstream requests,
counted at the simulator, while a known market's candles keep answering. Refusals are
immediate 404s (unknown series remembered), 429s (address limit) or 503s with Retry-After
(budget spent), never a queue.

The server runs on an injected clock that only the test moves, in ticks: every request
of a tick must be answered before the clock moves, so a request that waited for the
budget to refill would never be answered. The bound is in the clock's seconds, so a
loaded machine changes nothing.

On the old code every distinct unknown ticker cost two upstream requests, unbounded."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kalshi_tape.api import create_app
from kalshi_tape.api.budget import FLIGHT_REQUESTS
from kalshi_tape.api.server import ApiServer
from kalshi_tape.core.clock import ManualClock
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import Store, open_store
from tests.api.conftest import SETTLED_EVENT, api_settings, sim_clock, sim_config, sim_requests

CLIENTS = 32
TICKS, TICK_S = 8, 0.5  # 4 s of the server's clock
PER_TICK = 4  # requests per abuser and tick: above its address limit of 2.5 a tick
SHARE = 0.05  # of the simulator's "unlimited" 100 flights/s: 5 flights/s, burst 10
GLOBAL_RATE, GLOBAL_BURST, RESERVE = 5.0, 10.0, 0.5
ADDRESS_RATE = 5  # requests/s per address (keys off), as docs/security.md advises
ANSWER_DEADLINE_S = 120  # real seconds for a tick's answers: a hang, not a speed test


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
    return httpx.AsyncClient(base_url=url, transport=transport, timeout=ANSWER_DEADLINE_S)


def _serve(sim: SimServer, store: Store, clock: ManualClock) -> ApiServer:
    settings = api_settings(
        sim.base_url,
        upstream_share=SHARE,
        known_reserve=RESERVE,
        client_upstream_rate_per_s=0.5,
        client_upstream_burst=2,
        response_cache_ttl_s=0,  # every known read is a real read
        address_rate_per_s=ADDRESS_RATE,  # keys off: limit per address
        address_burst=5,
    )
    return ApiServer(create_app(settings, store=store, clock=clock))


class Storm:
    """The clients and what they were answered."""

    def __init__(self, url: str, known: str) -> None:
        self.known = known
        self.good = _client(url, "127.0.0.2")
        self.bad = [_client(url, f"127.0.0.{10 + c}") for c in range(CLIENTS)]
        self.rngs = [random.Random(c) for c in range(CLIENTS)]
        self.statuses: list[tuple[int, str]] = []
        self.known_statuses: list[int] = []

    async def _abuse(self, client: int) -> None:
        for _ in range(PER_TICK):
            ticker = _unknown_ticker(self.rngs[client], client)
            answer = await self.bad[client].get(f"/v1/candles/{ticker}")
            self.statuses.append((answer.status_code, answer.headers.get("retry-after", "")))

    async def _read_known(self) -> None:
        answer = await self.good.get(f"/v1/candles/{self.known}", params={"period": 60})
        ok = answer.status_code == 200 and bool(answer.json()["candles"])
        self.known_statuses.append(answer.status_code if ok else -answer.status_code)

    async def tick(self) -> None:
        """One tick's requests, all answered while the server's clock stands still."""
        work = asyncio.gather(self._read_known(), *(self._abuse(c) for c in range(CLIENTS)))
        await asyncio.wait_for(work, ANSWER_DEADLINE_S)

    async def close(self) -> None:
        for http in (self.good, *self.bad):
            await http.aclose()


def test_random_unknown_tickers_cannot_drain_the_upstream_budget(
    sim: SimServer, tmp_path: Path
) -> None:
    clock = sim_clock()
    with (
        open_store(f"duckdb:///{tmp_path / 'w.duckdb'}") as store,
        _serve(sim, store, clock) as server,
    ):
        url = server.url
        primed = httpx.get(f"{url}/v1/events/{SETTLED_EVENT}/candles?period=60", timeout=30)
        known = primed.json()["candles"][0]["market_ticker"]
        httpx.get(f"{url}/v1/candles/{known}?period=60")  # warm: the first read of a market
        clock.advance(1.0)  # the address's burst back
        before = sim_requests(sim)["requests_total"]
        candles = server.app.state.services.candles
        fetches = candles.upstream_fetches

        async def storm() -> Storm:
            run = Storm(url, known)
            for _ in range(TICKS):
                await run.tick()
                clock.advance(TICK_S)
            await run.close()
            return run

        run = asyncio.run(storm())
        spent = sim_requests(sim)["requests_total"] - before
        sent = candles.upstream_fetches - fetches
    # the bound: unknown-ticker flights get the global budget above the reserve, at most
    # (burst - reserve) + rate x time, each at most FLIGHT_REQUESTS requests
    flights = GLOBAL_BURST * (1 - RESERVE) + GLOBAL_RATE * TICKS * TICK_S
    bound = FLIGHT_REQUESTS * flights
    statuses = run.statuses
    print(
        f"{len(statuses)} abusive requests, {sent} flights (bound {flights:.0f}), "
        f"{spent} upstream requests (bound {bound:.0f})"
    )
    assert sent <= flights and spent <= bound
    assert len(statuses) == CLIENTS * TICKS * PER_TICK  # every one answered, in its tick
    assert {s for s, _ in statuses} <= {404, 429, 503}
    assert any(s == 503 for s, _ in statuses)  # the budget, not luck, bounded it
    assert any(s == 429 for s, _ in statuses)  # and the address limit was reached
    assert all(retry for s, retry in statuses if s in (429, 503))
    assert run.known_statuses == [200] * TICKS, "the known market answered in every tick"
