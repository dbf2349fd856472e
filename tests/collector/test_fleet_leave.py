"""A graceful "let go" with real processes: a collector stopped by SIGTERM gives its leases
back before they would have expired, the other takes its events over at its next round,
and the tape shows the handover as break before make (the leaver's stop row, then the
taker's first book snapshot, a round apart at most); trades: none lost, none twice."""

from __future__ import annotations

import signal
import time
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from tests.collector.conftest import SIM_NOW, admin, await_sweeps, trade_sweeps
from tests.collector.fleet_procs import (
    SERIES,
    Member,
    check_trades,
    open_markets,
    wait_steady,
    write_config,
)

pytestmark = pytest.mark.postgres

LEASE_S = 4.5  # a round every 1.5 s; an untouched lease lives >= 3 s past any moment


def lease_rows(url: str, holder: str) -> dict[str, datetime]:
    """{event: expires_at} of the leases `holder` has now, and the database's clock."""
    with psycopg.connect(url) as con:
        rows = con.execute(
            "SELECT event_ticker, expires_at FROM collector_leases WHERE holder = %s", (holder,)
        ).fetchall()
    return {str(e): x for e, x in rows}


def db_now(url: str) -> datetime:
    with psycopg.connect(url) as con:
        row = con.execute("SELECT clock_timestamp()").fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


def released_at(url: str, holder: str, timeout: float) -> datetime:
    """The database's clock when `holder` no longer holds any lease."""
    deadline = time.monotonic() + timeout
    while lease_rows(url, holder):
        assert time.monotonic() < deadline, "the leaver kept its leases"
        time.sleep(0.02)
    return db_now(url)


def gap_rows(con: psycopg.Connection[tuple[object, ...]], detail: str) -> dict[str, int]:
    """{market: the newest received_ns} of the sequence_gaps rows with that detail."""
    rows = con.execute(
        "SELECT market_ticker, max(received_ns) FROM sequence_gaps WHERE detail = %s "
        "GROUP BY market_ticker",
        (detail,),
    ).fetchall()
    return {str(t): int(str(ns)) for t, ns in rows}


def handover_windows(url: str, leaver: str, taker: str, tickers: list[str]) -> dict[str, int]:
    """Per market handed over: ns from the leaver's "stopped" row to the taker's first book
    snapshot after its "took over" row; the taker's row must come after the leaver's."""
    with psycopg.connect(url) as con:
        stops = gap_rows(con, f"fleet handover: {leaver} stopped")
        takes = gap_rows(con, f"fleet handover: {taker} took over")
        assert set(tickers) <= stops.keys() & takes.keys(), "a handover without its gap rows"
        windows: dict[str, int] = {}
        for ticker in tickers:
            assert takes[ticker] > stops[ticker], f"{ticker} recorded by both at once"
            row = con.execute(
                "SELECT min(received_ns) FROM market_snapshots WHERE market_ticker = %s "
                "AND trigger = 'snapshot' AND received_ns >= %s",
                (ticker, takes[ticker]),
            ).fetchone()
            assert row is not None and row[0] is not None, f"{ticker} never taken over"
            windows[ticker] = int(str(row[0])) - stops[ticker]
    return windows


def test_a_clean_leave_hands_over_without_gap_or_duplicate(pg_url: str, tmp_path: Path) -> None:
    config = tmp_path / "fleet.yaml"
    with SimServer(SimConfig(seed=12, now=SIM_NOW, speed=60, series=SERIES)) as sim:
        write_config(config, sim, pg_url, LEASE_S)
        markets = open_markets(sim)
        members = [Member(config, tmp_path / f"spool{i}") for i in range(2)]
        try:
            status = wait_steady(pg_url, markets, 2, timeout=30 * LEASE_S)
            time.sleep(2)  # trades flow
            leaver, taker = members
            ids = {m.pid: m.member_id for m in status.members}
            leaver_id, taker_id = ids[leaver.proc.pid], ids[taker.proc.pid]
            expiry = min(lease_rows(pg_url, leaver_id).values())  # only renewals extend it
            leaver.proc.send_signal(signal.SIGTERM)
            gone = released_at(pg_url, leaver_id, timeout=3 * LEASE_S)
            assert leaver.proc.wait(timeout=30) == 0, leaver.log()
            t0 = time.monotonic()
            wait_steady(pg_url, markets, 1, timeout=10 * LEASE_S)
            took_s = time.monotonic() - t0
            with admin(sim) as sim_admin:
                sim_admin.post("/pause")
            await_sweeps(taker.metrics_port, trade_sweeps(taker.metrics_port) + 2, taker.proc)
            taker.proc.send_signal(signal.SIGTERM)
            assert taker.proc.wait(timeout=30) == 0, taker.log()
        finally:
            for m in members:
                if m.proc.poll() is None:
                    m.proc.kill()
        check_trades(pg_url, sim)
    given = {lease.event_ticker for lease in status.leases if lease.holder == leaver_id}
    handed = sorted(t for t, e in markets.items() if e in given)
    windows = handover_windows(pg_url, leaver_id, taker_id, handed)
    print(
        f"released {(expiry - gone).total_seconds():.2f} s before expiry, taken in "
        f"{took_s:.2f} s, windows {min(windows.values()) / 1e9:.2f}-"
        f"{max(windows.values()) / 1e9:.2f} s"
    )
    assert gone < expiry  # given back, not left to expire
    assert max(windows.values()) < LEASE_S * 1e9  # unknown for a round, not an expiry
