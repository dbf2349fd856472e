"""The polite HTTP path against the simulator: retries, no retry on 4xx, cache, secrets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from kalshi_tape.client import Backoff
from kalshi_tape.sim.server import SimServer
from kalshi_tape.weather.errors import WeatherServiceError, WeatherTransportError
from kalshi_tape.weather.http import DEFAULT_USER_AGENT, ResponseCache, WeatherHttp, shown_url

FAST = Backoff(base_s=0.001, cap_s=0.01)


def _get(http: WeatherHttp, url: str, params: dict[str, str], ttl: float = 0) -> bytes:
    async def go() -> bytes:
        async with http:
            return await http.get(url, params, cache_ttl_s=ttl)

    return asyncio.run(go())


def test_client_errors_are_not_retried(sim: SimServer) -> None:
    http = WeatherHttp(backoff=FAST, default_rate=500)
    url = f"{sim.root_url}/iem/cgi-bin/request/asos1min.py"
    with pytest.raises(WeatherServiceError) as caught:
        _get(http, url, {"station": "XYZ", "sts": "2026-11-01T00:00Z", "ets": "2026-11-01T01:00Z"})
    assert caught.value.status == 422 and "Unknown station" in caught.value.detail
    assert http.stats.requests == 1


def test_server_errors_are_retried_until_success(sim: SimServer) -> None:
    faults = f"{sim.root_url}/_sim/faults"
    httpx.post(faults, json={"http_5xx": 0.5}).raise_for_status()
    try:
        http = WeatherHttp(backoff=FAST, default_rate=500, max_retries=12)
        url = f"{sim.root_url}/awc/api/data/metar"

        async def six() -> list[bytes]:
            async with http:
                return [await http.get(url, {"ids": "KNYC", "hours": "2"}) for _ in range(6)]

        bodies = asyncio.run(six())
    finally:
        httpx.post(faults, json={"http_5xx": 0}).raise_for_status()
    assert all(json.loads(b) for b in bodies)
    assert http.stats.retries > 0 and http.stats.requests == 6 + http.stats.retries


def test_unreachable_host_is_a_transport_error() -> None:
    http = WeatherHttp(backoff=FAST, default_rate=500, max_retries=1, timeout_s=2)
    with pytest.raises(WeatherTransportError, match="connection failed"):
        _get(http, "http://127.0.0.1:9/nothing", {})
    assert http.stats.requests == 2


def test_cache_serves_repeats_and_never_stores_secrets(sim: SimServer, tmp_path: Path) -> None:
    http = WeatherHttp(cache=ResponseCache(tmp_path), default_rate=500)
    url = f"{sim.root_url}/iem/json/cli.py"
    params = {"station": "KNYC", "year": "2026", "key": "hunter2-secret"}

    async def twice() -> tuple[bytes, bytes]:
        async with http:
            first = await http.get(url, params, cache_ttl_s=3600)
            return first, await http.get(url, params, cache_ttl_s=3600)

    first, second = asyncio.run(twice())
    assert first == second and http.stats.requests == 1 and http.stats.cache_hits == 1
    stored = " ".join(p.read_text("latin-1") for p in tmp_path.iterdir() if p.suffix == ".json")
    assert "hunter2" not in stored and "key=%2A%2A%2A" in stored
    assert "hunter2" not in shown_url(url, params)
    assert DEFAULT_USER_AGENT.startswith("kalshi-tape/")
