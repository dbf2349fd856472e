"""Fixtures for backfill tests: a frozen simulator on loopback and warehouse helpers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kalshi_tape.sim.server import SimServer
from tests.backfill.helpers import sim_config


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(sim_config()) as server:
        yield server
