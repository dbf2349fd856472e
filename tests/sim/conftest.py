from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer

# 15:00Z: tomorrow's events exist, today's trade, yesterday's are determined/settled.
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def frozen_config(**overrides: object) -> SimConfig:
    base: dict[str, object] = {
        "seed": 7,
        "now": NOW,
        "days": 12,
        "historical_days": 5,
        "speed": 0.0,
    }
    base.update(overrides)
    return SimConfig(**base)  # type: ignore[arg-type]


@pytest.fixture(scope="package")
def sim() -> Iterator[SimServer]:
    """A frozen-clock simulator shared by the read-only tests."""
    with SimServer(frozen_config()) as server:
        yield server


@pytest.fixture()
def http(sim: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, timeout=30) as client:
        yield client
