"""Fixtures for API tests: a frozen simulator on loopback and the API in front of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kalshi_tape.api import ApiSettings, create_app
from kalshi_tape.api.server import ApiServer
from kalshi_tape.core.clock import ManualClock
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import Store, open_store

SIM_NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
SETTLED_EVENT = "KXHIGHNY-26NOV17"  # settled, on the live tier
OTHER_EVENT = "KXHIGHCHI-26NOV17"
LIVE_EVENT = "KXHIGHNY-26NOV20"  # still trading at SIM_NOW


def sim_config(**overrides: object) -> SimConfig:
    base: dict[str, object] = {"seed": 11, "now": SIM_NOW, "speed": 0, "tier": "unlimited"}
    base.update(overrides)
    return SimConfig(**base)  # type: ignore[arg-type]


def sim_clock() -> ManualClock:
    return ManualClock(int(SIM_NOW.timestamp() * 1e9))


def api_settings(base_url: str, **overrides: Any) -> ApiSettings:
    kalshi = Settings(base_url=base_url, tier="unlimited", db_url="duckdb:///:memory:")
    return ApiSettings(kalshi=kalshi, **({"response_cache_ttl_s": 0} | overrides))


def sim_requests(sim: SimServer) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(f"{sim.admin_url}/stats").json()
    return stats


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(sim_config()) as server:
        yield server


@pytest.fixture()
def store() -> Iterator[Store]:
    with open_store("duckdb:///:memory:") as opened:
        yield opened


ServeFn = Callable[..., ApiServer]


@pytest.fixture()
def serve(store: Store) -> Iterator[ServeFn]:
    """serve(base_url, **settings) -> a running ApiServer over `store`."""
    servers: list[ApiServer] = []

    def start(base_url: str, **overrides: Any) -> ApiServer:
        app = create_app(api_settings(base_url, **overrides), store=store, clock=sim_clock())
        server = ApiServer(app).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
