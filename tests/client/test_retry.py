"""The one retry policy (client/retry.py) for both of its users, the Kalshi client and the
weather fetchers: the simulator's injected 5xx are retried until success, retries are
bounded, and both space their retries alike. Retry-After comes from weather services only
(Kalshi sends none, so neither does the simulator): that case runs on httpx.MockTransport."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from kalshi_tape.client import KalshiClient
from kalshi_tape.client.retry import Backoff, retry_after_s
from kalshi_tape.core.clock import ManualClock
from kalshi_tape.core.errors import ServerError
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import Faults
from kalshi_tape.sim.server import SimServer
from kalshi_tape.weather.errors import WeatherServiceError, WeatherTransportError
from kalshi_tape.weather.http import WeatherHttp
from tests.weather.conftest import sim_config

BACKOFF = Backoff(base_s=0.5, cap_s=4.0)  # never slept: the sleeps are recorded
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


class Sleeps:
    """An injected `sleep` that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def _within_backoff(delays: list[float]) -> bool:
    ceilings = [min(BACKOFF.cap_s, BACKOFF.base_s * 2**n) for n in range(len(delays))]
    return all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))


@pytest.fixture(scope="module")
def failing_half() -> Iterator[SimServer]:
    with SimServer(replace(sim_config(), faults=Faults(http_5xx=0.5))) as server:
        yield server


@pytest.fixture(scope="module")
def failing_all() -> Iterator[SimServer]:
    with SimServer(replace(sim_config(), faults=Faults(http_5xx=1.0))) as server:
        yield server


def _kalshi(sim: SimServer, sleeps: Sleeps, **kw: object) -> KalshiClient:
    settings = Settings(base_url=sim.base_url, tier="unlimited")
    return KalshiClient(settings, rng=random.Random(5), backoff=BACKOFF, sleep=sleeps, **kw)  # type: ignore[arg-type]


def _weather(sleeps: Sleeps, **kw: object) -> WeatherHttp:
    return WeatherHttp(rng=random.Random(5), backoff=BACKOFF, default_rate=500, sleep=sleeps, **kw)  # type: ignore[arg-type]


async def test_kalshi_client_retries_the_sims_5xx_until_success(failing_half: SimServer) -> None:
    sleeps = Sleeps()
    async with _kalshi(failing_half, sleeps, max_retries=20) as client:
        statuses = [await client.get_exchange_status() for _ in range(10)]
        stats = client.stats
    assert all(s.exchange_active for s in statuses)
    assert stats.retries > 0 and stats.requests == 10 + stats.retries
    assert stats.responses_by_status == {200: 10, 500: stats.retries}
    assert len(sleeps.delays) == stats.retries


async def test_weather_fetcher_retries_the_sims_5xx_until_success(failing_half: SimServer) -> None:
    sleeps = Sleeps()
    url = f"{failing_half.root_url}/awc/api/data/metar"
    async with _weather(sleeps, max_retries=20) as http:
        bodies = [await http.get(url, {"ids": "KNYC", "hours": "2"}) for _ in range(10)]
    assert all(b.startswith(b"[") for b in bodies)
    assert http.stats.retries > 0 and http.stats.requests == 10 + http.stats.retries
    assert len(sleeps.delays) == http.stats.retries


async def test_both_users_stop_after_max_retries_spaced_alike(failing_all: SimServer) -> None:
    kalshi_sleeps, weather_sleeps = Sleeps(), Sleeps()
    async with _kalshi(failing_all, kalshi_sleeps, max_retries=3) as client:
        with pytest.raises(ServerError, match="HTTP 500"):
            await client.get_exchange_status()
        assert client.stats.requests == 4
    async with _weather(weather_sleeps, max_retries=3) as http:
        with pytest.raises(WeatherServiceError) as caught:
            await http.get(f"{failing_all.root_url}/awc/api/data/metar", {"ids": "KNYC"})
    assert caught.value.status == 500 and http.stats.requests == 4
    # one policy: the same jittered schedule from the same seed
    assert kalshi_sleeps.delays == weather_sleeps.delays
    assert len(kalshi_sleeps.delays) == 3 and _within_backoff(kalshi_sleeps.delays)


def _retry_after_then_ok(clock: ManualClock) -> httpx.MockTransport:
    date = datetime.fromtimestamp(clock.now_ns() / 1e9 + 12, UTC)
    answers = iter(
        [
            httpx.Response(503, headers={"retry-after": "5"}, text="busy"),
            httpx.Response(429, headers={"retry-after": format_datetime(date, usegmt=True)}),
            httpx.Response(503, headers={"retry-after": "86400"}, text="down for the day"),
            httpx.Response(200, json={"exchange_active": True, "trading_active": True}),
        ]
    )
    return httpx.MockTransport(lambda request: next(answers))


async def test_retry_after_is_honoured_by_both_users() -> None:
    """Seconds, an HTTP date (on the injected clock) and a capped day, each longer than
    the backoff: both users wait what the server asked."""
    for make in ("kalshi", "weather"):
        clock, sleeps = ManualClock(int(NOW.timestamp() * 1e9)), Sleeps()
        transport = _retry_after_then_ok(clock)
        if make == "kalshi":
            settings = Settings(base_url="http://kalshi.test/trade-api/v2", tier="unlimited")
            async with KalshiClient(
                settings, clock=clock, transport=transport, backoff=BACKOFF, sleep=sleeps
            ) as client:
                assert (await client.get_exchange_status()).exchange_active
        else:
            async with _weather(sleeps, clock=clock, transport=transport) as http:
                await http.get("http://weather.test/x")
        assert sleeps.delays == [5.0, 12.0, 60.0], make


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("", 0.0), ("soon", 0.0), ("-3", 0.0), ("nan", 0.0), ("2.5", 2.5), ("inf", 60.0)],
)
def test_retry_after_values(header: str, seconds: float) -> None:
    response = httpx.Response(503, headers={"retry-after": header})
    got = retry_after_s(response, ManualClock(), cap_s=60.0)
    assert math.isclose(got, seconds)


async def test_a_redirect_loop_is_not_retried_and_names_no_secret() -> None:
    loop = httpx.MockTransport(lambda r: httpx.Response(302, headers={"location": str(r.url)}))
    sleeps = Sleeps()
    async with _weather(sleeps, transport=loop) as http:
        with pytest.raises(WeatherTransportError, match="TooManyRedirects") as caught:
            await http.get("http://weather.test/x", {"key": "hunter2"})
    assert "hunter2" not in str(caught.value) and sleeps.delays == []
