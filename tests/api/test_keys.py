"""API keys: missing, wrong and revoked keys are refused; limits; keys never logged."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from kalshi_tape.api import create_app
from kalshi_tape.api.keys import create_key, revoke_key
from kalshi_tape.api.keystore import COLUMNS, SqliteKeys
from kalshi_tape.cli.main import main
from kalshi_tape.storage import Store, schema
from tests.api.conftest import api_settings, sim_clock


def client_for(store: Store, **settings: object) -> TestClient:
    base = {"require_keys": True, "fetch_through": False, **settings}
    app = create_app(api_settings("http://127.0.0.1:9", **base), store=store, clock=sim_clock())
    return TestClient(app)


def test_missing_wrong_and_revoked_keys_are_refused(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key, record = create_key(store, "tester")
    client = client_for(store)
    ok = client.get("/v1/series", headers={"X-API-Key": key})
    assert ok.status_code == 200
    bearer = client.get("/v1/events", headers={"Authorization": f"Bearer {key}"})
    assert bearer.status_code == 200

    missing = client.get("/v1/series")
    assert missing.status_code == 401 and missing.json()["code"] == "missing_api_key"
    wrong = client.get("/v1/series", headers={"X-API-Key": key[:-4] + "AAAA"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_api_key"
    junk = client.get("/v1/series", headers={"X-API-Key": "hello"})
    assert junk.status_code == 401

    revoke_key(store, record.key_id)
    client.app.state.services.keys.reload()  # type: ignore[attr-defined]
    revoked = client.get("/v1/series", headers={"X-API-Key": key})
    assert revoked.status_code == 401 and revoked.json()["code"] == "invalid_api_key"

    # open routes stay open
    assert client.get("/healthz").status_code == 200
    secret = key.split("_", 2)[2]
    assert secret not in caplog.text and key not in caplog.text
    assert record.key_id in caplog.text  # requests are logged by key id


def test_per_key_rate_limit_gives_429(store: Store) -> None:
    key, _ = create_key(store, "slow", rate_per_s=1, burst=3)
    other, _ = create_key(store, "other")
    client = client_for(store)
    codes = [client.get("/v1/series", headers={"X-API-Key": key}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    limited = client.get("/v1/series", headers={"X-API-Key": key})
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert client.get("/v1/series", headers={"X-API-Key": other}).status_code == 200


def test_only_hashes_are_stored(store: Store) -> None:
    key, record = create_key(store, "hashes")
    rows = store.sql("SELECT key_id, key_hash FROM api_keys")
    assert rows == [(record.key_id, hashlib.sha256(key.encode()).hexdigest())]
    dump = repr(store.read_table("api_keys").to_pylist())
    assert key not in dump and key.split("_", 2)[2] not in dump


def test_apikey_cli(tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'keys.duckdb'}"
    runner = CliRunner()
    created = runner.invoke(main, ["apikey", "create", "alice", "--rate", "5", "--db", db])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("kt_")
    key_id = key.split("_")[1]
    listed = runner.invoke(main, ["apikey", "list", "--db", db])
    assert key_id in listed.output and "alice" in listed.output and "active" in listed.output
    assert key not in listed.output
    assert runner.invoke(main, ["apikey", "revoke", key_id, "--db", db]).exit_code == 0
    assert "active" not in runner.invoke(main, ["apikey", "list", "--db", db]).output
    unknown = runner.invoke(main, ["apikey", "revoke", "deadbeef", "--db", db])
    assert unknown.exit_code != 0 and "no API key" in unknown.output
    # beside the DuckDB file, in their own store (so `revoke` works while serving)
    assert (tmp_path / "keys.duckdb.keys.sqlite3").is_file()
    assert not (tmp_path / "keys.duckdb").exists()


def test_cors_is_configurable(store: Store) -> None:
    client = client_for(store, require_keys=False, cors_origins=("https://example.org",))
    response = client.get("/v1/series", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    closed = client_for(store, require_keys=False)
    response = closed.get("/v1/series", headers={"Origin": "https://example.org"})
    assert "access-control-allow-origin" not in response.headers


def test_sqlite_key_store_has_the_warehouse_tables_columns(tmp_path: Path) -> None:
    """The SQLite `api_keys` (DuckDB warehouses) is written by hand beside schema.API_KEYS:
    same columns, same order, so `COLUMNS` serves both."""
    keys = SqliteKeys(tmp_path / "w.keys.sqlite3")
    try:
        info = keys.sql("PRAGMA table_info(api_keys)")
    finally:
        keys.close()
    assert [row[1] for row in info] == [c.name for c in schema.API_KEYS.columns]
    assert list(COLUMNS) == [row[1] for row in info if row[1] != schema.INGESTED_AT]
