"""Acceptance: a paper session against the simulator runs for a simulated day, journals every
simulated fill, and a backtest of the same strategy in tape mode (`run_backtest` with
`data="tape"`, `ktape backtest --data tape`) on the data the session recorded gives the same
fills and P&L, fill for fill."""

from __future__ import annotations

import asyncio
import importlib
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kalshi_tape.backtest.report.paper import backtest_fills, journal_fills
from kalshi_tape.backtest.run.runner import BacktestConfig, run_backtest
from kalshi_tape.backtest.strategies.protocol import BarState, Order, Strategy, price_of
from kalshi_tape.backtest.strategies.shipped import REGISTRY
from kalshi_tape.cli.main import main
from kalshi_tape.core.money import Count
from kalshi_tape.paper.journal import SessionRow, read_fills, read_session
from kalshi_tape.paper.session import PaperConfig, run_session
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import open_store

# Midnight EST: the start of New York's climate day 2026-11-20, so the session sees the
# whole day of one event (and the next day's event once it opens at 15:00Z).
START = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
SPEED = 2400.0  # market seconds per real second: a day in 36 s
DAY_BARS = 1440


@dataclass
class Busy:
    """Trades often, both ways: every 15 bars take the favourite, rest a bid at the bid and
    an offer at the ask (maker, 20 bars), and sell back what it holds."""

    name: str = "busy"

    def on_bar(self, state: BarState) -> Sequence[Order]:
        if state.index % 15 != 3 or not np.isfinite(state.pmf_market).all():
            return []
        j = int(np.argmax(state.pmf_market))
        ticker = state.tickers[j]
        bid, ask = float(state.yes_bid[j]), float(state.yes_ask[j])
        orders: list[Order] = []
        if math.isfinite(ask):
            orders.append(Order(ticker, "yes", "buy", Count("3")))
        if math.isfinite(bid) and 0.01 < bid < 0.99:
            orders.append(Order(ticker, "yes", "buy", Count("5"), "maker", price_of(bid), 20))
        if math.isfinite(ask) and 0.01 < ask < 0.99:
            orders.append(Order(ticker, "no", "buy", Count("4"), "maker", price_of(1 - ask), 20))
        for other, held in state.position.items():
            if held > 0 and other != ticker:
                orders.append(Order(other, "yes", "sell", Count(held)))
        return orders


def run(
    sim: SimServer, db: str, strategy: Strategy, name: str, params: dict[str, str]
) -> SessionRow:
    settings = Settings(base_url=sim.base_url, db_url=db)
    config = PaperConfig("KXHIGHNY", name, params)  # until the day's event closes
    with open_store(db) as store:
        return asyncio.run(run_session(settings, store, config, strategy=strategy))


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, SessionRow]]:
    db = f"duckdb:///{tmp_path_factory.mktemp('paper') / 'day.duckdb'}"
    config = SimConfig(seed=3, now=START, speed=SPEED, series=("KXHIGHNY",))
    with SimServer(config) as sim:
        yield db, run(sim, db, Busy(), "busy", {})


def test_the_session_ran_a_simulated_day(day: tuple[str, SessionRow]) -> None:
    db, row = day
    # Bars close on messages; the quiet last hour before the close sends few or none.
    assert row.bars >= DAY_BARS - 90
    assert row.first_bar_ts is not None and row.last_bar_ts is not None
    assert row.last_bar_ts - row.first_bar_ts >= 86400 - 90 * 60
    with open_store(db) as store:  # the session ended because the day's markets closed
        statuses = {r[0] for r in store.sql("SELECT DISTINCT status FROM markets")}
    assert statuses and not statuses & {"active", "open"}, statuses


def test_every_fill_is_journaled_with_both_clocks(day: tuple[str, SessionRow]) -> None:
    db, row = day
    with open_store(db) as store:
        journal = read_fills(store, row.session_id)
        orders = store.read_table("paper_orders").to_pylist()
    kinds = {f["liquidity"] for f in journal}
    assert kinds == {"taker", "maker"}, kinds
    assert len(journal) == row.fills >= 20
    assert all(f["received_ns"] and f["exchange_ts"] for f in journal)
    assert sum(f["fee"] for f in journal) == row.fees
    assert journal[-1]["cash_after"] == row.cash or row.fills == 0
    filled = {o["order_id"]: o["filled_count"] for o in orders}
    for order_id, count in filled.items():
        assert count == sum(f["count"] for f in journal if f["order_id"] == order_id)


@pytest.fixture
def busy_registered() -> Iterator[None]:
    """`busy` as a registered strategy, so `ktape backtest --strategy busy` finds it. The
    CLI module is loaded first: its help text lists the strategies registered at import."""
    importlib.import_module("kalshi_tape.backtest.cli")
    REGISTRY.register("busy", {}, lambda params: Busy())
    yield
    del REGISTRY.factories["busy"], REGISTRY.params["busy"]


def climate_day(row: SessionRow) -> date:
    assert row.first_bar_ts is not None
    return datetime.fromtimestamp(row.first_bar_ts, UTC).date()


def test_a_tape_backtest_of_the_recorded_data_gives_the_same_fills_and_pnl(
    day: tuple[str, SessionRow],
) -> None:
    db, row = day
    on = climate_day(row)
    config = BacktestConfig("KXHIGHNY", on, on, "busy", data="tape")
    with open_store(db) as store:
        result = run_backtest(store, config, strategy=Busy())
        journal = journal_fills(store, row.session_id)
    backtest = backtest_fills(result)
    assert sorted(backtest) == sorted(journal) and set(journal) <= set(row.event_tickers)
    for event, fills in journal.items():
        assert backtest[event] == fills, event  # fill for fill, fees included
    assert sum(len(f) for f in backtest.values()) == row.fills
    assert sum((e.result.pnl for e in result.events), Decimal(0)) == row.pnl
    assert all(e.result.settled for e in result.events) == row.settled
    assert sum(len(e.panel.ts) for e in result.events) == row.bars * len(result.events)


def test_ktape_backtest_data_tape_reports_the_sessions_pnl(
    day: tuple[str, SessionRow], busy_registered: None, tmp_path: Path
) -> None:
    db, row = day
    on = f"{climate_day(row)}"
    out = tmp_path / "tape.html"
    args = ["backtest", "--data", "tape", "--series", "KXHIGHNY", "--start", on, "--end", on]
    args += ["--strategy", "busy", "--db", db, "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert f"{row.fills} fills, P&L after fees ${row.pnl} ->" in result.stdout, result.stdout
    assert "<h2>Trades</h2>" in out.read_text()


def test_a_shipped_strategy_runs_unchanged_from_the_cli(tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'fav.duckdb'}"
    config = SimConfig(seed=3, now=START, speed=SPEED, series=("KXHIGHNY",))
    with SimServer(config) as sim:
        args = ["paper", "--strategy", "favourite", "--series", "kxhighny", "--param", "hour=0.5"]
        args += ["--param", "size=10", "--bars", "60", "--db", db, "--base-url", sim.base_url]
        result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert re.search(r"session \S+: \d+ bars, 1 fills", result.stdout), result.stdout
    out = tmp_path / "paper.html"
    report = CliRunner().invoke(main, ["paper", "report", "--db", db, "--out", str(out)])
    assert report.exit_code == 0, report.output
    html = out.read_text()
    assert "kalshi-tape backtest: favourite on KXHIGHNY" in html and "<h2>Trades</h2>" in html
    with open_store(db) as store:
        row = read_session(store, None)
        assert row is not None and row.strategy == "favourite" and row.params["hour"] == "0.5"
        journal = read_fills(store, row.session_id)
    assert len(journal) == 1 and journal[0]["liquidity"] == "taker"


def test_paper_needs_a_strategy_and_a_series() -> None:
    result = CliRunner().invoke(main, ["paper", "--series", "KXHIGHNY"])
    assert result.exit_code == 2 and "--strategy" in result.output
    args = ["paper", "--strategy", "nope", "--series", "KXHIGHNY"]
    result = CliRunner().invoke(main, [*args, "--base-url", "http://127.0.0.1:9/trade-api/v2"])
    assert result.exit_code == 1 and "unknown strategy 'nope'" in result.stderr
