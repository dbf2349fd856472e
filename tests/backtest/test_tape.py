"""The tape data mode: a strategy over a recorded order book, depth-walking taker fills,
trades outside the recording left out, and a clear error when nothing was recorded."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from kalshi_tape.backtest.data.panel import BacktestInputError
from kalshi_tape.backtest.report.fills_file import write_fills
from kalshi_tape.backtest.run.runner import BacktestConfig, run_backtest
from kalshi_tape.backtest.strategies.protocol import BarState, Order
from kalshi_tape.cli.main import main
from kalshi_tape.core.domain import OrderbookDelta, OrderbookSnapshot, Trade, TradeUpdate
from kalshi_tape.core.money import Count, Price
from kalshi_tape.storage import open_store
from kalshi_tape.storage.records import trade_from_update

DAY = date(2026, 11, 5)
EVENT = "KXHIGHNY-26NOV05"
T0_MS = int(datetime(2026, 11, 5, 15, 0, 10, tzinfo=UTC).timestamp() * 1000)
DELTAS = 20  # one every 30 s: ten minutes of tape


@dataclass
class TakeOnce:
    """Buys 8 YES of `ticker` as a taker at the first bar; records each bar's time."""

    ticker: str
    name: str = "take_once"
    seen: list[int] = field(default_factory=list)

    def on_bar(self, state: BarState) -> Sequence[Order]:
        self.seen.append(state.ts)
        if state.index == 0:
            return [Order(self.ticker, "yes", "buy", Count("8"))]
        return []


def _record(url: str) -> str:
    """Ten minutes of book for one market of EVENT: YES bids 0.40 x 10; NO bids 0.55 x 4,
    0.57 x 3 (YES asks 0.43 x 3, 0.45 x 4); deltas grow a far YES level."""
    with open_store(url) as store:
        ph = store.placeholder
        rows = store.sql(f"SELECT ticker FROM markets WHERE event_ticker = {ph}", [EVENT])
        ticker = sorted(str(r[0]) for r in rows)[0]
        yes = ((Price("0.40"), Count("10")),)
        no = ((Price("0.55"), Count("4")), (Price("0.57"), Count("3")))
        snap = OrderbookSnapshot(1, 1, ticker, yes, no, received_ns=1)
        deltas = [
            OrderbookDelta(
                1,
                i + 2,
                ticker,
                Price("0.05"),
                Count("1"),
                "yes",
                exchange_ts_ms=T0_MS + 30_000 * i,
                received_ns=i + 2,
            )
            for i in range(DELTAS)
        ]
        store.commit_chunk(orderbook_snapshots=[snap], orderbook_deltas=deltas)
    return ticker


@pytest.fixture
def taped(sim_db: str, tmp_path: Path) -> tuple[str, str]:
    """A copy of the backfilled warehouse (trades all day) plus ten minutes of book."""
    path = tmp_path / "taped.duckdb"
    shutil.copy(urlsplit(sim_db).path[1:], path)
    url = f"duckdb:///{path}"
    return url, _record(url)


def test_takers_walk_the_recorded_depth_within_the_recording(taped: tuple[str, str]) -> None:
    url, ticker = taped
    strategy = TakeOnce(ticker)
    config = BacktestConfig("KXHIGHNY", DAY, DAY, "take_once", data="tape")
    with open_store(url) as store:
        result = run_backtest(store, config, strategy=strategy)
        ph = store.placeholder
        outside = store.sql(
            f"SELECT count(*) FROM trades WHERE market_ticker IN (SELECT ticker FROM markets "
            f"WHERE event_ticker = {ph}) AND (epoch_ms(created_time) < {ph} OR "
            f"epoch_ms(created_time) > {ph})",
            [EVENT, T0_MS - 120_000, T0_MS + 30_000 * DELTAS + 120_000],
        )[0][0]
        won = store.sql(f"SELECT result FROM markets WHERE ticker = {ph}", [ticker])[0][0]
    assert outside > 100  # backfilled trades the tape mode must leave out
    first_bar = strategy.seen[0]  # trades from a bar before the first delta count
    assert first_bar in (T0_MS // 60_000 * 60, -(-T0_MS // 60_000) * 60)
    assert len(strategy.seen) <= DELTAS // 2 + 3  # about ten bars, not a day of trades
    (run,) = result.events
    fills = [(f.liquidity, Decimal(f.count), Decimal(f.price), f.ts) for f in run.result.fills]
    assert fills == [  # decided at the bar end, filled on arrival one second later
        ("taker", Decimal(3), Decimal("0.43"), first_bar + 1),
        ("taker", Decimal(4), Decimal("0.45"), first_bar + 1),
    ]
    payout = Decimal(7) if won == "yes" else Decimal(0)
    cash = sum((f.cash_delta for f in run.result.fills), Decimal(0))
    assert run.result.pnl == cash + payout and run.result.settled


def test_no_recorded_book_is_a_clear_error(sim_db: str, tmp_path: Path) -> None:
    config = BacktestConfig("KXHIGHNY", DAY, DAY, "favourite", data="tape")
    with (
        open_store(sim_db) as store,
        pytest.raises(BacktestInputError, match="no recorded order-book tape for KXHIGHNY"),
    ):
        run_backtest(store, config)
    args = ["backtest", "--data", "tape", "--series", "KXHIGHNY", "--start", f"{DAY}"]
    args += ["--end", f"{DAY}", "--strategy", "favourite", "--db", sim_db]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 1 and "no recorded order-book tape" in result.output


@dataclass
class RestEveryBar:
    """Two small YES bids at 0.40 and 0.39 every bar: makers that compete for each print."""

    ticker: str
    name: str = "rest_every_bar"

    def on_bar(self, state: BarState) -> Sequence[Order]:
        return [
            Order(self.ticker, "yes", "buy", Count("4"), "maker", Price(p), 3)
            for p in ("0.40", "0.39")
        ]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_fills_file_joined_with_the_trades_never_overfills_a_print(
    taped: tuple[str, str], tmp_path: Path, suffix: str
) -> None:
    url, ticker = taped
    config = BacktestConfig("KXHIGHNY", DAY, DAY, "rest_every_bar", data="tape")
    out = tmp_path / f"fills{suffix}"
    with open_store(url) as store:
        store.commit_chunk(trades=[_print(ticker, i) for i in range(12)])
        result = run_backtest(store, config, strategy=RestEveryBar(ticker))
        assert write_fills(out, result) > 0
        rows = _read_fills(out)
        by_trade: dict[str, Decimal] = {}
        for row in rows:
            assert row["order_id"] and row["liquidity"] == "maker"
            by_trade[row["filled_by"]] = by_trade.get(row["filled_by"], Decimal(0)) + Decimal(
                str(row["count"])
            )
        ph = store.placeholder
        marks = ", ".join([ph] * len(by_trade))
        sizes = dict(
            store.sql(
                f"SELECT trade_id, count FROM trades WHERE trade_id IN ({marks})", list(by_trade)
            )
        )
    assert set(sizes) == set(by_trade)  # every maker fill names a stored trade
    assert any(sum(1 for r in rows if r["filled_by"] == t) > 1 for t in by_trade)  # shared
    for trade_id, filled in by_trade.items():
        assert filled <= Decimal(sizes[trade_id]), trade_id


def _print(ticker: str, i: int) -> Trade:
    """A public trade through both our bids (YES at 0.38), 6 or 25 contracts."""
    size = Count("25" if i % 2 else "6")
    ts_ms = T0_MS + 45_000 * i + 5_000
    update = TradeUpdate(1, f"p{i:03d}", ticker, Price("0.38"), Price("0.62"), size, "no", ts_ms)
    return trade_from_update(update)


def _read_fills(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".csv":
        with path.open(newline="") as f:
            return list(csv.DictReader(f))
    rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
    return rows


def test_a_bad_fills_path_fails_before_the_run(sim_db: str, tmp_path: Path) -> None:
    args = ["backtest", "--series", "KXHIGHNY", "--start", f"{DAY}", "--end", f"{DAY}"]
    args += ["--strategy", "favourite", "--db", sim_db, "--out", str(tmp_path / "r.html")]
    result = CliRunner().invoke(main, [*args, "--fills", str(tmp_path / "fills.xlsx")])
    assert result.exit_code == 1 and "--fills" in result.output and ".parquet" in result.output
    assert not (tmp_path / "r.html").exists()


def test_ktape_backtest_writes_the_fills_file_with_the_report(sim_db: str, tmp_path: Path) -> None:
    args = ["backtest", "--series", "KXHIGHNY", "--start", f"{DAY}", "--end", f"{DAY}"]
    args += ["--strategy", "favourite", "--db", sim_db, "--out", str(tmp_path / "r.html")]
    result = CliRunner().invoke(main, [*args, "--fills", str(tmp_path / "fills.csv")])
    assert result.exit_code == 0, result.output
    rows = _read_fills(tmp_path / "fills.csv")
    assert rows and all(r["order_id"].startswith("KXHIGHNY-") for r in rows)
    html = (tmp_path / "r.html").read_text()
    assert rows[0]["order_id"] in html  # the report's trades table shows the same ids
