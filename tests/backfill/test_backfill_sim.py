"""Backfill against the simulator over loopback into real DuckDB (and PostgreSQL)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from kalshi_tape.backfill.runner import BackfillOptions
from kalshi_tape.client.discover import Selection
from kalshi_tape.client.ratelimit import TokenBucket, limiter_for_tier
from kalshi_tape.sim.server import SimServer
from tests.backfill.helpers import END, START, run, sim_config, snapshot

SELECTION = Selection(series=("KXHIGHNY",), start=START, end=END)
TWO_CITIES = Selection(series=("KXHIGHNY", "KXHIGHCHI"), start=START, end=END)


def sim_stats(sim: SimServer) -> dict:  # type: ignore[type-arg]
    return httpx.get(f"{sim.admin_url}/stats").json()  # type: ignore[no-any-return]


def test_requests_stay_within_two_percent_of_the_plan(sim: SimServer, tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'a.duckdb'}"
    report = run(sim.base_url, db, SELECTION)
    lower_bound = report.plan.request_lower_bound
    assert report.events == 6 and report.markets == 36
    assert lower_bound <= report.fetch_requests <= lower_bound * 1.02
    assert report.candle_rows > 0 and report.trade_rows > 0
    routes = {r.route for r in report.plan.candles}
    assert "historical" in routes, "the range straddles the cutoff: some markets are historical"
    assert {r.route for r in report.plan.trades} == {"historical", "live"}


def test_historical_markets_are_fetched_from_historical_endpoints(
    sim: SimServer, tmp_path: Path
) -> None:
    before = sim_stats(sim)["requests_by_route"]
    db = f"duckdb:///{tmp_path / 'h.duckdb'}"
    report = run(sim.base_url, db, SELECTION, BackfillOptions(periods=(60,)))
    after = sim_stats(sim)["requests_by_route"]
    used = {route for route, n in after.items() if n > before.get(route, 0)}
    assert any("historical" in route and "candlesticks" in route for route in used), used
    assert any("historical" in route and "trades" in route for route in used), used
    rows = snapshot(db, ("candles", "markets"))
    historical = {t for r in report.plan.candles if r.route == "historical" for t in r.tickers}
    with_candles = {dict(r)["market_ticker"] for r in rows["candles"]}
    assert historical and historical <= with_candles


def test_rerun_is_cheap_and_changes_nothing(sim: SimServer, tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'r.duckdb'}"
    first = run(sim.base_url, db, SELECTION)
    rows = snapshot(db)
    second = run(sim.base_url, db, SELECTION)
    assert second.fetch_requests == 0
    assert second.discovery_requests <= first.discovery_requests
    assert snapshot(db) == rows


def test_dry_run_plans_and_writes_no_rows(sim: SimServer, tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'd.duckdb'}"
    report = run(sim.base_url, db, SELECTION, BackfillOptions(dry_run=True))
    assert report.fetch_requests == 0 and report.plan.request_lower_bound > 0
    assert all(not rows for rows in snapshot(db).values())


@pytest.mark.parametrize("era", ["dual", "cents"])
def test_every_wire_era_lands_as_identical_rows(era: str, tmp_path: Path) -> None:
    selection = Selection(series=("KXHIGHCHI",), start=START, end=START)
    dbs = {}
    for name in ("fixed", era):
        with SimServer(sim_config(wire_era=name, whole_contracts=True)) as server:
            dbs[name] = f"duckdb:///{tmp_path / name}.duckdb"
            run(server.base_url, dbs[name], selection)
    fixed, other = snapshot(dbs["fixed"]), snapshot(dbs[era])
    assert fixed["candles"] and fixed["trades"]
    # Kalshi added `settlement_ts` on 2025-12-19: legacy payloads cannot carry it.
    assert {dict(r)["settlement_ts"] for r in other["markets"]} == {None}
    assert _without(fixed, "settlement_ts") == _without(other, "settlement_ts")


def _without(snap: dict, column: str) -> dict:  # type: ignore[type-arg]
    return {
        t: [tuple(kv for kv in row if kv[0] != column) for row in rows] for t, rows in snap.items()
    }


@pytest.mark.postgres
def test_duckdb_and_postgres_hold_identical_rows(
    sim: SimServer, tmp_path: Path, pg_url: str
) -> None:
    selection = Selection(series=("KXHIGHMIA",), start=START, end=START)
    duck = f"duckdb:///{tmp_path / 'x.duckdb'}"
    run(sim.base_url, duck, selection)
    run(sim.base_url, pg_url, selection)
    assert snapshot(duck) == snapshot(pg_url)


def test_basic_tier_uses_the_budget_without_a_429(tmp_path: Path) -> None:
    """Basic: 200 tokens/s, 10 a request, a bucket of 400 tokens (40 requests of burst).

    The first run warms the simulator (it generates events lazily on first touch, which a
    real exchange does not do); the measured run starts after the bucket has refilled."""
    with SimServer(sim_config(tier="basic")) as server:
        run(server.base_url, f"duckdb:///{tmp_path / 'warm.duckdb'}", TWO_CITIES, tier="basic")
        time.sleep(2.5)  # at least the 2 s a refill takes (a sleep never ends early)
        limiter = limiter_for_tier("basic")
        db = f"duckdb:///{tmp_path / 'b.duckdb'}"
        report = run(server.base_url, db, TWO_CITIES, tier="basic", limiter=limiter)
        stats = sim_stats(server)
    assert stats["responses_by_status"].get("429", 0) == 0
    # The pace is the limiter's, not the wall clock's (a loaded machine only slows the
    # fetchers): requests waited for it, beyond the burst, and it is the tier's budget
    # less the stated headroom. How fully a limiter-bound run uses the budget is
    # tests/client/test_ratelimit_sim.py; the full-speed run is benchmarks/bench_client.py.
    assert isinstance(limiter, TokenBucket)
    assert report.requests > 40 and limiter.waited_s > 0
    assert (limiter.rate, limiter.capacity) == (200 * 0.97, 300)


def test_an_event_named_twice_is_fetched_once(sim: SimServer, tmp_path: Path) -> None:
    historical_event = "KXHIGHNY-26NOV10"  # behind the cutoff: markets only in /historical
    db = f"duckdb:///{tmp_path / 'twice.duckdb'}"
    report = run(sim.base_url, db, Selection(event_tickers=(historical_event,) * 2))
    assert report.events == 1 and report.markets == 6
    once = run(
        sim.base_url, f"duckdb:///{tmp_path / 'once.duckdb'}", Selection((historical_event,))
    )
    assert report.plan.request_lower_bound == once.plan.request_lower_bound
