"""The API on PostgreSQL: fetch-through, pages, keys (the SQL of the API on both engines)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from kalshi_tape.api import create_app
from kalshi_tape.api.keys import create_key, revoke_key
from kalshi_tape.api.server import ApiServer
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import Store, open_store
from tests.api.conftest import SETTLED_EVENT, api_settings, sim_clock

pytestmark = pytest.mark.postgres
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture()
def pg_store() -> Iterator[Store]:
    name = f"ktape_api_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with open_store(f"postgresql://postgres@127.0.0.1:5432/{name}") as store:
            yield store
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_api_on_postgres(sim: SimServer, pg_store: Store) -> None:
    key, record = create_key(pg_store, "pg")
    settings = api_settings(sim.base_url, require_keys=True)
    app = create_app(settings, store=pg_store, clock=sim_clock())
    headers = {"X-API-Key": key}
    with ApiServer(app) as api:
        url = f"{api.url}/v1/events/{SETTLED_EVENT}/candles"
        first = httpx.get(url, params={"period": 60}, headers=headers)
        assert first.status_code == 200 and first.json()["complete"] is True
        ticker = first.json()["candles"][0]["market_ticker"]
        one = httpx.get(f"{api.url}/v1/candles/{ticker}", params={"period": 60}, headers=headers)
        assert one.headers["X-Candle-Source"] == "kalshi" and one.json()["candles"]
        page = httpx.get(
            f"{api.url}/v1/markets",
            params={"series_ticker": "KXHIGHNY", "limit": 4},
            headers=headers,
        ).json()
        assert len(page["rows"]) == 4 and page["cursor"]
        rest = httpx.get(
            f"{api.url}/v1/markets",
            params={"series_ticker": "KXHIGHNY", "cursor": page["cursor"]},
            headers=headers,
        ).json()
        assert rest["rows"] and rest["rows"][0]["ticker"] > page["rows"][-1]["ticker"]
        revoke_key(pg_store, record.key_id)
        app.state.services.keys.reload()
        assert httpx.get(f"{api.url}/v1/series", headers=headers).status_code == 401


def test_schemathesis_on_postgres_no_server_errors(pg_store: Store) -> None:
    """The fuzz of test_openapi.py against a PostgreSQL-backed server (NUL bytes and the
    like used to give 500 here, never on DuckDB)."""
    from tests.api.test_openapi import fuzz_every_operation

    fuzz_every_operation(pg_store)
