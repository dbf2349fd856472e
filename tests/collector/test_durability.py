"""Nothing lost: a PostgreSQL outage mid-run (rows spooled, fsync'd, replayed), a
`kill -9` and restart, spool failures that stop the collector with a clear error, and
`--poll` without keys."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow as pa
import pytest

from kalshi_tape.collector import Collector
from kalshi_tape.collector.daemon import running
from kalshi_tape.collector.spool import Spool, SpoolError
from kalshi_tape.core.serving import free_port
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import open_store
from tests.client.conftest import FAST_RECONNECT
from tests.collector.conftest import (
    SERIES,
    SIM_NOW,
    admin,
    await_sweeps,
    collector_config,
    sim_trade_ids,
    stored_trade_ids,
    trade_sweeps,
    wait_for,
)
from tests.collector.proxy import TcpProxy
from tests.conftest import through_port

# The 30 s outage: KTAPE_TEST_OUTAGE_S=30 (same code path; 2 s keeps CI fast)
OUTAGE_S = float(os.environ.get("KTAPE_TEST_OUTAGE_S", "2"))


@pytest.fixture
def calm_sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=5, now=SIM_NOW, speed=600, series=SERIES)) as sim:
        yield sim


async def _finish_trades(sim: SimServer, collector: Collector) -> None:
    """Freeze the market and let two more trade sweeps run."""
    with admin(sim) as sim_admin:
        sim_admin.post("/pause")
    sweeps = collector.sweeper.sweeps
    assert await wait_for(lambda: collector.sweeper.sweeps >= sweeps + 2, 15)


@pytest.mark.postgres
async def test_postgres_outages_lose_no_row(
    calm_sim: SimServer, pg_url: str, tmp_path: Path
) -> None:
    """Down at start (the collector starts anyway, spooling), then down again mid-run."""
    proxy = TcpProxy(5432)
    proxy.up()
    url = through_port(pg_url, proxy.port) + "?connect_timeout=2"
    open_store(url).close()  # tables exist; from here on the proxy decides
    proxy.down()
    config = collector_config(calm_sim, tmp_path / "spool")
    collector = Collector(
        config,
        None,  # unreachable at start
        reopen=lambda: open_store(url),
        rng=random.Random(2),
        connection=FAST_RECONNECT,
    )
    writer = collector.writer
    writer.retry_seconds = 0.5
    async with running(collector) as task:
        assert await wait_for(lambda: writer.spooled_batches >= 2, 15)
        proxy.up()
        assert await wait_for(lambda: writer.db_ok and collector.spool.empty, 15)
        await asyncio.sleep(1)
        proxy.down()  # PostgreSQL lost mid-run
        spooled = writer.spooled_batches
        assert await wait_for(lambda: writer.spooled_batches >= spooled + 3, 10)
        assert collector.spool.bytes > 0 and not writer.db_ok
        await asyncio.sleep(OUTAGE_S)
        proxy.up()
        assert await wait_for(lambda: writer.db_ok and collector.spool.empty, 15 + OUTAGE_S)
        await _finish_trades(calm_sim, collector)
        assert not task.done()
    assert collector.feed is not None
    final = writer.store
    assert final is not None
    assert final.count("orderbook_deltas") == collector.feed.stats.deltas  # every one
    assert final.count("orderbook_snapshots") > 0
    tickers = set(collector.tracker.tickers)
    assert set(stored_trade_ids(final)) == sim_trade_ids(calm_sim, tickers)
    final.close()
    proxy.down()


def _ktape(*args: str) -> list[str]:
    return [sys.executable, "-m", "kalshi_tape", *args]


def _start(
    config: Path, env: dict[str, str], *extra: str
) -> tuple[subprocess.Popen[bytes], list[str]]:
    """Start `ktape collect` and wait until it tracks markets (logs kept in a list)."""
    proc = subprocess.Popen(
        _ktape("collect", "--config", str(config), *extra), env=env, stderr=subprocess.PIPE
    )
    lines: list[str] = []

    def read() -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            lines.append(raw.decode())

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + 30
    while not any("tracking" in line for line in lines):
        assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
        time.sleep(0.1)
    return proc, lines


def test_kill_9_and_restart_lose_no_trade(calm_sim: SimServer, tmp_path: Path) -> None:
    config = tmp_path / "collect.yaml"
    config.write_text(
        f"base_url: '{calm_sim.base_url}'\ntier: unlimited\n"
        f"db_url: 'duckdb:///{tmp_path}/w.duckdb'\n"
        f"collector: {{series: {list(SERIES)}, interval_seconds: 1, trade_sweep_seconds: 1,"
        f" flush_interval_seconds: 0.2, spool_dir: '{tmp_path}/spool'}}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KALSHI_", "KTAPE_"))}
    first, _ = _start(config, env)
    time.sleep(2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    time.sleep(1.5)  # trades happen while nothing collects
    port = free_port()
    second, log = _start(config, env, "--log-json", "--metrics-port", str(port))
    await_sweeps(port, 1, second)  # its start-up sweep read what the gap left behind
    with admin(calm_sim) as sim_admin:
        sim_admin.post("/pause")
    await_sweeps(port, trade_sweeps(port) + 2, second)  # two sweeps of the frozen market
    second.send_signal(signal.SIGTERM)
    second.wait(timeout=60)  # a deadline for a hang, not a speed test
    err = "".join(log)
    assert all(json.loads(line)["level"] for line in log if line.strip())  # structured logs
    assert second.returncode == 0, err[-2000:]
    assert any("stopped;" in json.loads(line)["msg"] for line in log if line.strip()), err
    with open_store(f"duckdb:///{tmp_path}/w.duckdb?read_only=true") as store:
        tickers = {
            str(r[0]) for r in store.sql("SELECT DISTINCT market_ticker FROM orderbook_deltas")
        }
        stored = stored_trade_ids(store)
        assert len(stored) == len(set(stored))
        assert set(stored) >= sim_trade_ids(calm_sim, tickers)
        starts = store.sql("SELECT count(*) FROM sequence_gaps WHERE detail = 'collector started'")[
            0
        ][0]
        assert starts == 2  # the restart is on the tape: no book is rebuilt across it


async def test_poll_without_keys_fills_snapshots_and_trades(
    calm_sim: SimServer, tmp_path: Path
) -> None:
    store = open_store(f"duckdb:///{tmp_path / 'w.duckdb'}")
    config = collector_config(calm_sim, tmp_path / "spool", poll=True, poll_interval_seconds=0.5)
    assert not config.settings.has_credentials
    config = config.model_copy(update={"metrics_port": 0})
    collector = Collector(config, store, rng=random.Random(3))
    async with running(collector):
        assert await wait_for(lambda: collector.metrics_port is not None, 10)
        body = httpx.get(f"http://127.0.0.1:{collector.metrics_port}/metrics").text
        assert "ktape_collect_markets" in body and "ktape_collect_spool_bytes" in body
        assert await wait_for(
            lambda: collector.metrics.snapshots.labels("poll")._value.get() > 20, 15
        )
        await _finish_trades(calm_sim, collector)
    rows = store.sql("SELECT DISTINCT sid, seq FROM orderbook_snapshots")
    assert rows == [(0, 0)]
    polls = store.sql(
        "SELECT count(DISTINCT received_ns) FROM market_snapshots WHERE trigger = 'poll'"
    )
    assert polls[0][0] >= 2
    shared = store.sql(
        "SELECT count(*) FROM market_snapshots m WHERE trigger = 'poll' AND NOT EXISTS "
        "(SELECT 1 FROM orderbook_snapshots o WHERE o.received_ns = m.received_ns)"
    )
    assert shared[0][0] == 0
    assert store.count("orderbook_deltas") == 0
    tickers = set(collector.tracker.tickers)
    assert set(stored_trade_ids(store)) == sim_trade_ids(calm_sim, tickers)
    store.close()


def _table() -> dict[str, pa.Table]:
    return {"t": pa.table({"x": [1, 2, 3]})}


def test_spool_full_disk_is_a_clear_error(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool._file = tmp_path / "spool" / "spool-000000000001.ktape"
    spool._file.symlink_to("/dev/full")
    with pytest.raises(SpoolError, match="disk full"):
        spool.append(_table())
    small = Spool(tmp_path / "small", max_bytes=10)
    with pytest.raises(SpoolError, match="is full"):
        small.append(_table())


def test_spool_replays_in_order_and_stops_at_a_torn_record(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append({"t": pa.table({"x": [1]})})
    spool.append({"t": pa.table({"x": [2]})})
    (segment,) = spool.segments()
    with open(segment, "ab") as fh:
        fh.write(b"KTSP\x00\x00\x00\x00\x00\x00\x01\x00garbage")  # a crash mid-append
    got = [r["t"].column("x").to_pylist() for r in Spool(tmp_path / "spool").records(segment)]
    assert got == [[1], [2]]


def test_read_only_spool_stops_the_collector_with_a_clear_error(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(ro)])
    if mounted.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here (needs root)")
    try:
        from click.testing import CliRunner

        from kalshi_tape.cli.main import main

        result = CliRunner().invoke(
            main,
            [
                "collect",
                "--event",
                "KXHIGHNY-26NOV22",
                "--spool-dir",
                str(ro / "spool"),
                "--db",
                f"duckdb:///{tmp_path}/w.duckdb",
                "--base-url",
                "http://127.0.0.1:9/trade-api/v2",
            ],
        )
        assert result.exit_code == 3
        assert "not writable" in result.output and "read-only file system" in result.output
    finally:
        subprocess.run(["umount", str(ro)])
