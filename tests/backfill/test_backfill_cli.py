"""`ktape backfill` as a user runs it: resume after kill -9, bad input, dry run."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from kalshi_tape.client.discover import Selection
from kalshi_tape.sim.server import SimServer
from tests.backfill.helpers import END, START, TABLES, run, snapshot

KTAPE = [sys.executable, "-m", "kalshi_tape"]


def ktape(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [*KTAPE, *args], capture_output=True, text=True, timeout=120, **kw
    )


def backfill_args(sim: SimServer, db: str) -> list[str]:
    return [
        "backfill",
        "--series",
        "KXHIGHNY",
        "--series",
        "KXHIGHCHI",
        "--start",
        str(START),
        "--end",
        str(END),
        "--base-url",
        sim.base_url,
        "--db",
        db,
        "--tier",
        "basic",
    ]


def test_three_kill_9_then_rerun_equals_a_clean_run(sim: SimServer, tmp_path: Path) -> None:
    clean = f"duckdb:///{tmp_path / 'clean.duckdb'}"
    run(sim.base_url, clean, Selection(series=("KXHIGHNY", "KXHIGHCHI"), start=START, end=END))
    killed = f"duckdb:///{tmp_path / 'killed.duckdb'}"
    rng = random.Random(20261122)
    kills = 0
    for _ in range(3):
        proc = subprocess.Popen(
            [*KTAPE, *backfill_args(sim, killed)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(1.5, 3.5))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills == 3, "the run finished before it could be killed: slow it down"
    done = ktape(*backfill_args(sim, killed))
    assert done.returncode == 0, done.stderr
    assert snapshot(killed) == snapshot(clean)
    rerun = ktape(*backfill_args(sim, killed))
    assert rerun.returncode == 0, rerun.stderr
    assert re.search(r"discovery \+ fetch\)\D+\d+ \+ 0\b", rerun.stdout), rerun.stdout
    assert snapshot(killed) == snapshot(clean)


def test_unknown_event_is_a_clear_error_and_writes_nothing(sim: SimServer, tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'u.duckdb'}"
    result = ktape(
        "backfill", "KXHIGHNY-26NOV12", "KXHIGHNY-99XXX99", "--base-url", sim.base_url, "--db", db
    )
    assert result.returncode != 0
    assert "unknown event 'KXHIGHNY-99XXX99'" in result.stderr
    assert all(not rows for rows in snapshot(db, TABLES).values())


def test_inverted_dates_are_refused(sim: SimServer, tmp_path: Path) -> None:
    result = ktape(
        "backfill",
        "--series",
        "KXHIGHNY",
        "--series",
        "KXHIGHCHI",
        "--start",
        "2026-11-15",
        "--end",
        "2026-11-10",
        "--base-url",
        sim.base_url,
        "--db",
        f"duckdb:///{tmp_path / 'i.duckdb'}",
    )
    assert result.returncode != 0
    assert "is after --end" in result.stderr


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    result = ktape(
        "backfill",
        "--series",
        "KXHIGHNY",
        "--base-url",
        "http://127.0.0.1:9/trade-api/v2",
        "--db",
        f"duckdb:///{db}",
    )
    assert result.returncode != 0
    assert "cannot reach the exchange at http://127.0.0.1:9/trade-api/v2" in result.stderr
    assert "Traceback" not in result.stderr


def test_dry_run_prints_the_plan_with_its_request_count(sim: SimServer, tmp_path: Path) -> None:
    result = ktape(*backfill_args(sim, f"duckdb:///{tmp_path / 'p.duckdb'}"), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "Backfill plan" in result.stdout and "requests" in result.stdout
    assert "via historical" in result.stdout and "via batch" in result.stdout
