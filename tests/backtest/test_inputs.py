"""Bad input gets a clear error; `ktape import quotes` on real logs; the CLI end to end."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kalshi_tape.backtest.data.panel import BacktestInputError
from kalshi_tape.backtest.data.quotes import import_quotes
from kalshi_tape.backtest.run.runner import BacktestConfig, run_backtest
from kalshi_tape.backtest.strategies.protocol import StrategyError
from kalshi_tape.backtest.strategies.shipped import create_strategy
from kalshi_tape.cli.main import main
from kalshi_tape.storage import open_store
from tests.shared_data import SHARED

FIXTURES = SHARED / "kalshi" / "fixtures"
LOG = FIXTURES / "jetpackjules_Kalshi-Trader/market_logs/market_data_KXHIGHNY-26JAN04.csv"
HIGHS = FIXTURES / "ericzzhang_cli/knyc_cli_daily_excerpt_2025-08_2025-11-24_2026-01-31.csv"


def test_no_data_for_the_range_is_a_clear_error(sim_db: str) -> None:
    config = BacktestConfig("KXHIGHNY", date(2020, 1, 1), date(2020, 1, 5), "favourite")
    with (
        open_store(sim_db) as store,
        pytest.raises(BacktestInputError, match="no KXHIGHNY events between 2020-01-01"),
    ):
        run_backtest(store, config)


def test_unknown_strategy_or_parameter_is_a_clear_error() -> None:
    with pytest.raises(
        StrategyError,
        match=r"unknown strategy 'moon' \(known: acceleration, fair_value, favourite; or your own",
    ):
        create_strategy("moon", {})
    with pytest.raises(
        StrategyError, match=r"unknown parameter\(s\) sizee for strategy 'favourite'"
    ):
        create_strategy("favourite", {"sizee": "3"})
    with pytest.raises(StrategyError, match="size='ten' is not a number"):
        create_strategy("favourite", {"size": "ten"})
    with pytest.raises(StrategyError, match="liquidity must be taker or maker"):
        create_strategy("fair_value", {"liquidity": "both"})


def test_cli_reports_bad_input_without_a_traceback(sim_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["backtest", "--series", "KXHIGHNY", "--db", sim_db, "--out", str(tmp_path / "r.html")]
    result = runner.invoke(
        main, [*base, "--start", "2026-11-01", "--end", "2026-11-02", "--strategy", "nope"]
    )
    assert result.exit_code == 1 and "unknown strategy 'nope'" in result.output
    result = runner.invoke(
        main, [*base, "--start", "2020-11-01", "--end", "2020-11-02", "--strategy", "favourite"]
    )
    assert result.exit_code == 1 and "no KXHIGHNY events" in result.output
    result = runner.invoke(
        main,
        [
            *base,
            "--start",
            "2026-11-01",
            "--end",
            "2026-11-02",
            "--strategy",
            "favourite",
            "--param",
            "x",
        ],
    )
    assert result.exit_code == 2 and "expected k=v" in result.output
    missing = f"duckdb:///{tmp_path / 'none.duckdb'}"
    result = runner.invoke(
        main,
        [
            *base[:-4],
            "--db",
            missing,
            "--start",
            "2026-11-01",
            "--end",
            "2026-11-02",
            "--strategy",
            "favourite",
        ],
    )
    assert result.exit_code == 1 and "no warehouse at" in result.output
    assert not (tmp_path / "none.duckdb").exists()
    result = runner.invoke(
        main, [*base, "--start", "2026-11-05", "--end", "2026-11-02", "--strategy", "favourite"]
    )
    assert result.exit_code == 1 and "--start 2026-11-05 is after --end 2026-11-02" in result.output
    sweep = ["--start", "2026-11-01", "--end", "2026-11-01", "--strategy", "favourite"]
    result = runner.invoke(main, [*base, *sweep, "--sweep", "hour=a=b"])
    assert result.exit_code == 1 and "not a number" in result.output
    result = runner.invoke(main, [*base, *sweep, "--sweep", "hour=", "--no-weather"])
    assert result.exit_code == 1 and "--sweep wants k=a,b,c" in result.output
    result = runner.invoke(
        main, [*base, *sweep, "--sweep", "hour=9", "--cluster", "tcp://127.0.0.1:9"]
    )
    unreachable = "no Dask scheduler there" in result.output  # when dask is installed
    assert result.exit_code == 1 and ("pip install" in result.output or unreachable)
    assert not (tmp_path / "r.html").exists()


def test_cli_writes_a_report_and_sweeps(sim_db: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    args = ["backtest", "--series", "KXHIGHNY", "--start", "2026-11-01", "--end", "2026-11-03",
            "--strategy", "favourite", "--db", sim_db, "--out", str(out), "--no-weather",
            "--sweep", "hour=8,12", "--workers", "2"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "3 events, 3 fills" in result.output
    text = out.read_text()
    assert "<h2>Sweep</h2>" in text and "hour=12" in text


def test_bad_quote_files_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,market_ticker,best_yes_bid\n2025-12-01T00:00:00,X-25DEC01-B3.5,5\n")
    url = f"duckdb:///{tmp_path / 'q.duckdb'}"
    with open_store(url) as store:
        with pytest.raises(BacktestInputError, match="missing columns implied_yes_ask"):
            import_quotes(store, [bad], "America/Los_Angeles", None)
        bad.write_text(
            "timestamp,market_ticker,best_yes_bid,best_no_bid,implied_no_ask,implied_yes_ask\n"
            "2025-12-01T00:00:00,KXHIGHNY-25DEC01-B3.5,5,90,95,170\n"
        )
        with pytest.raises(BacktestInputError, match=r"outside 0\.\.100 cents"):
            import_quotes(store, [bad], "America/Los_Angeles", None)
        assert store.count("market_snapshots") == 0 and store.count("markets") == 0


def test_import_real_quotes_and_backtest_them(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'real.duckdb'}"
    runner = CliRunner()
    args = [
        "import",
        "quotes",
        str(LOG),
        "--tz",
        "America/Los_Angeles",
        "--highs",
        str(HIGHS),
        "--db",
        url,
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "6,947 snapshots, 1 event(s), 1 settled" in result.output
    with open_store(url) as store:
        rows = store.sql("SELECT ticker, result, strike_type FROM markets ORDER BY ticker")
        winners = [r[0] for r in rows if r[1] == "yes"]
        assert winners == ["KXHIGHNY-26JAN04-B35.5"]  # official high 35 °F
        first = store.sql("SELECT min(received_ns) FROM market_snapshots")[0][0]
        # 2026-01-03T07:01 Pacific = 15:01 UTC
        assert 1767452460 * 10**9 <= first < 1767452520 * 10**9
        config = BacktestConfig(
            "KXHIGHNY", date(2026, 1, 4), date(2026, 1, 4), "favourite", params={"hour": "-24"}
        )
        result_bt = run_backtest(store, config)
    run = result_bt.events[0]
    assert run.panel.source == "quotes" and len(run.result.fills) == 1
    assert all(f.liquidity == "taker" for f in run.result.fills)
    # Re-importing is idempotent.
    again = runner.invoke(main, args)
    assert again.exit_code == 0
    with open_store(url) as store:
        assert (
            store.count("market_snapshots") == 6947 - 1 or store.count("market_snapshots") <= 6947
        )


def test_maker_orders_fill_only_through_traded_prices(sim_db: str) -> None:
    config = BacktestConfig(
        "KXHIGHNY", date(2026, 11, 1), date(2026, 11, 4), "fair_value",
        params={"liquidity": "maker", "margin": "0.0"}, calibration="none",
    )  # fmt: skip
    with open_store(sim_db) as store:
        result = run_backtest(store, config)
    fills = [f for e in result.events for f in e.result.fills]
    assert fills and all(f.liquidity == "maker" and f.fee == 0 for f in fills)
    for e in result.events:
        for f in e.result.fills:
            k = int(np.searchsorted(e.panel.ts, f.ts))
            j = e.panel.meta.tickers.index(f.ticker)
            yes_limit = float(f.yes_price)
            if f.yes_delta > 0:
                assert e.panel.trade_low[k, j] < yes_limit
            else:
                assert e.panel.trade_high[k, j] > yes_limit
            assert float(f.count) <= e.panel.volume[k, j]


def test_ktape_import_dir_still_imports_parquet_in_every_form(tmp_path: Path) -> None:
    runner = CliRunner()
    source = f"duckdb:///{tmp_path / 'a.duckdb'}"
    with open_store(source) as store:
        store.sql(
            "INSERT INTO events (event_ticker, series_ticker, ingested_at) "
            "VALUES ('E-1', 'E', TIMESTAMPTZ '2026-01-01 00:00:00+00')"
        )
    out = tmp_path / "export"
    assert runner.invoke(main, ["export", "--db", source, "--out", str(out)]).exit_code == 0
    forms = (
        ["import", str(out), "--db"],  # the original form
        ["import", "--db", "{url}", str(out)],  # options first
        ["import", "parquet", str(out), "--db"],  # explicit subcommand
    )
    for i, form in enumerate(forms):
        url = f"duckdb:///{tmp_path / f'b{i}.duckdb'}"
        args = [a.replace("{url}", url) for a in form] + ([url] if form[-1] == "--db" else [])
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        with open_store(url) as store:
            assert store.count("events") == 1
