"""Fixtures for weather tests: fresh warehouses and the simulator on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from kalshi_tape.sim.weather import weather_base_urls

SIM_NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def sim_config(now: datetime = SIM_NOW) -> SimConfig:
    return SimConfig(seed=11, now=now, speed=0, series=("KXHIGHNY",), days=45)


def sim_settings(sim: SimServer, db_url: str) -> Settings:
    urls = weather_base_urls(sim.root_url)
    return Settings(base_url=sim.base_url, db_url=db_url, tier="unlimited", **urls)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(sim_config()) as server:
        yield server


@pytest.fixture()
def db_url(tmp_path: object) -> str:
    return f"duckdb:///{tmp_path}/weather.duckdb"
