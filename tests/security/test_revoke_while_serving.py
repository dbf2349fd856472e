"""A key revoked with `ktape apikey revoke` while `ktape serve` runs on a DuckDB file is
refused (it used to fail on the DuckDB lock until a restart), once the server reloads its
keys: `RELOAD_S` on its clock; keys made in the warehouse before the key store existed
are carried over, revocations included."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from kalshi_tape.api import create_app
from kalshi_tape.api.keys import RELOAD_S, create_key, list_keys, revoke_key
from kalshi_tape.api.keystore import keys_path, open_key_table
from kalshi_tape.core.serving import free_port
from kalshi_tape.storage import open_store
from tests.api.conftest import api_settings, sim_clock
from tests.security.test_log_redaction import _wait_up

KTAPE = [sys.executable, "-m", "kalshi_tape"]


def ktape(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KTAPE, *args], capture_output=True, text=True, timeout=60)


def test_revoke_while_serving_on_duckdb_takes_effect(tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'w.duckdb'}"
    created = ktape("apikey", "create", "leaky", "--db", db)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    port = free_port()
    env = {**os.environ, "KALSHI_BASE_URL": "http://127.0.0.1:9"}
    server = subprocess.Popen(
        [*KTAPE, "serve", "--db", db, "--port", str(port), "--require-keys"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_up(base + "/healthz")
        headers = {"X-API-Key": key}
        assert httpx.get(f"{base}/v1/series", headers=headers).status_code == 200
        revoked = ktape("apikey", "revoke", key.split("_")[1], "--db", db)
        assert revoked.returncode == 0, revoked.stderr  # the server holds the DuckDB lock
        deadline = time.monotonic() + 60  # for a hang; the reload's timing is tested below
        while httpx.get(f"{base}/v1/series", headers=headers).status_code != 401:
            assert time.monotonic() < deadline, "the revoked key still works"
            time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)


def test_a_revoked_key_is_refused_within_one_reload_period_of_the_clock(tmp_path: Path) -> None:
    clock = sim_clock()
    with open_store(f"duckdb:///{tmp_path / 'w.duckdb'}") as store:
        key, record = create_key(store, "leaky")
        settings = api_settings("http://127.0.0.1:9", require_keys=True, fetch_through=False)
        with TestClient(create_app(settings, store=store, clock=clock)) as client:
            headers = {"X-API-Key": key}
            assert client.get("/v1/series", headers=headers).status_code == 200
            revoke_key(store, record.key_id)
            clock.advance(RELOAD_S)
            refused = client.get("/v1/series", headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_api_key"


def test_keys_in_the_warehouse_are_carried_over(tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'old.duckdb'}"
    with open_store(db) as store:  # the old layout: keys in the warehouse
        _, kept = create_key(store, "kept")
        _, gone = create_key(store, "gone")
        revoke_key(store, gone.key_id)
    path = keys_path(db)
    assert path is not None and not path.exists()
    table, owned = open_key_table(db)
    try:
        carried = {k.key_id: k for k in list_keys(table)}
    finally:
        table.close()
    assert owned and path.exists()
    assert carried[kept.key_id].active
    assert not carried[gone.key_id].active  # a revoked key is not revived
