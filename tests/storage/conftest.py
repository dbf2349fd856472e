"""Store fixtures: a DuckDB file per test, and a PostgreSQL database per session.

PostgreSQL tests need the server on 127.0.0.1:5432 (user postgres; override with
KTAPE_TEST_PG). When it is unreachable they FAIL, unless KTAPE_SKIP_POSTGRES=1.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from kalshi_tape.core.clock import ManualClock
from kalshi_tape.storage import Store, open_store, schema

ADMIN_URL = os.environ.get("KTAPE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
START_NS = 1_786_000_000 * 1_000_000_000

StoreFactory = Callable[[], Store]


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh database for this test session, dropped at the end."""
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("KTAPE_SKIP_POSTGRES") == "1":
            pytest.skip(f"PostgreSQL unreachable and KTAPE_SKIP_POSTGRES=1: {exc}")
        pytest.fail(f"PostgreSQL unreachable at {ADMIN_URL} (set KTAPE_SKIP_POSTGRES=1): {exc}")
    name = f"ktape_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield _with_database(ADMIN_URL, name)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START_NS)


def _truncate_all(store: Store) -> None:
    store.sql("TRUNCATE " + ", ".join(t.name for t in schema.TABLES))


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_factory(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> Iterator[StoreFactory]:
    """Opens stores on one empty warehouse (several connections when a test wants them)."""
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    else:
        url = request.getfixturevalue("pg_url")
    opened: list[Store] = []

    def factory() -> Store:
        opened.append(open_store(url, clock=clock))
        return opened[-1]

    first = factory()
    if first.backend == "postgresql":
        _truncate_all(first)
    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def store(store_factory: StoreFactory) -> Store:
    return store_factory()
