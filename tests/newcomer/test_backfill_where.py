"""`ktape backfill` says where it writes (password redacted), and an empty date range
names the range the exchange has."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kalshi_tape.cli.main import main
from kalshi_tape.sim.server import SimServer
from tests.backfill.helpers import END, START, sim_config


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(sim_config(days=20)) as server:
        yield server


def backfill(sim: SimServer, db: str, *extra: str) -> Result:
    args = ["backfill", "--series", "KXHIGHNY", "--base-url", sim.base_url, "--db", db, *extra]
    return CliRunner().invoke(main, args, env={"KTAPE_CONFIG": ""})


def test_the_plan_names_the_database(sim: SimServer, tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'plan.duckdb'}"
    result = backfill(sim, db, "--start", str(START), "--end", str(END), "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"database: {db}" in result.stdout


def test_the_summary_names_the_database(sim: SimServer, tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'done.duckdb'}"
    result = backfill(sim, db, "--start", str(END), "--end", str(END), "--no-trades")
    assert result.exit_code == 0, result.output
    assert f"database: {db}" in result.stdout


def test_a_postgres_password_is_redacted_in_the_plan(sim: SimServer, pg_url: str) -> None:
    with_password = pg_url.replace("postgres@", "postgres:s3cret@")
    result = backfill(sim, with_password, "--start", str(START), "--end", str(START), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    assert "database: postgresql://postgres:***@127.0.0.1:5432/" in result.stdout


def test_a_range_without_events_names_the_range_that_exists(sim: SimServer, tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    result = backfill(sim, db, "--start", "2020-01-01", "--end", "2020-01-31")
    assert result.exit_code == 1, result.output
    line = result.stderr.strip()
    assert "no KXHIGHNY events between 2020-01-01 and 2020-01-31" in line, line
    match = re.search(r"events exist from (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d)", line)
    assert match, line
    assert match.group(1) <= str(START) and str(END) <= match.group(2)
