"""Fixtures: a week of simulator history backfilled into DuckDB once per session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from kalshi_tape.client.discover import Selection
from kalshi_tape.sim.server import SimServer
from tests.backfill.helpers import run, sim_config

SERIES = "KXHIGHNY"
START, END = date(2026, 11, 1), date(2026, 11, 12)


@pytest.fixture(scope="session")
def sim_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A warehouse holding 12 settled KXHIGHNY events from the simulator (seed 11)."""
    path = Path(tmp_path_factory.mktemp("backtest")) / "sim.duckdb"
    url = f"duckdb:///{path}"
    with SimServer(sim_config()) as sim:
        run(sim.base_url, url, Selection(series=(SERIES,), start=START, end=END))
    yield url
