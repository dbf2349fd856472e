"""`ktape paper report`: a paper session as a tape-mode backtest (`backtest.tape`) of the
data the session recorded (the backtest reads the paper journal; paper itself imports only
the execution core), rendered by the backtest's own HTML report (same sections:
summary, equity, P&L, maker/taker, calibration, trades).

The report refuses to render when the backtest's fills differ from the journal's."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from kalshi_tape.backtest.report.fills_file import check_fills_path, write_fills
from kalshi_tape.backtest.report.html import write_report
from kalshi_tape.backtest.run.runner import BacktestConfig, BacktestResult
from kalshi_tape.backtest.run.tape import TapeWindow, run_tape
from kalshi_tape.backtest.strategies.protocol import Fill, Strategy
from kalshi_tape.cli.outputs import check_output_file
from kalshi_tape.core.errors import KtapeError
from kalshi_tape.paper.journal import SessionRow, read_fills, read_session
from kalshi_tape.settings.load import load_settings
from kalshi_tape.storage import Store, open_existing


def session_config(session: SessionRow) -> BacktestConfig:
    """The tape-mode backtest of what `session` traded (its series, days and strategy)."""
    first = session.first_bar_ts or 0
    last = session.last_bar_ts or first
    return BacktestConfig(
        series=session.series_ticker,
        start=datetime.fromtimestamp(first, UTC).date(),
        end=datetime.fromtimestamp(last, UTC).date(),
        strategy=session.strategy,
        params=session.params,
        data="tape",
    )


def session_window(session: SessionRow) -> TapeWindow:
    """The stretch of tape the session recorded."""
    return TapeWindow(
        session.tape_from_ns, session.tape_to_ns, session.trades_from_ms, session.trades_to_ms
    )


def backtest_session(
    store: Store, session: SessionRow, strategy: Strategy | None = None
) -> BacktestResult:
    """Backtest the session's strategy in tape mode on the session's recorded window."""
    if session.tape_from_ns is None or not session.event_tickers:
        raise KtapeError(f"paper session {session.session_id} recorded no tape")
    return run_tape(store, session_config(session), strategy, session_window(session))


def journal_fills(store: Store, session_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """The journal's fills by event, in the order they happened, as `fill_key` tuples."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for f in read_fills(store, session_id):
        ts = int(f["exchange_ts"].timestamp())
        key = (ts, f["market_ticker"], f["side"], f["action"], f["count"], f["price"],
               f["liquidity"], f["fee"])  # fmt: skip
        out.setdefault(f["event_ticker"], []).append(key)
    return out


def fill_key(fill: Fill) -> tuple[Any, ...]:
    return (fill.ts, fill.ticker, fill.side, fill.action, Decimal(fill.count),
            Decimal(fill.price), fill.liquidity, fill.fee)  # fmt: skip


def backtest_fills(result: BacktestResult) -> dict[str, list[tuple[Any, ...]]]:
    """The backtest's fills by event, as `fill_key` tuples."""
    return {
        e.result.event_ticker: [fill_key(f) for f in e.result.fills]
        for e in result.events
        if e.result.fills
    }


def write_session_report(
    store: Store, session_id: str | None, out: Path, fills_out: Path | None = None
) -> SessionRow:
    """Backtest the session (the latest when `session_id` is None) on its recorded tape,
    check it against the journal, and write the HTML report to `out` (and every fill to
    `fills_out`, CSV or Parquet, when given)."""
    session = read_session(store, session_id)
    if session is None:
        raise KtapeError(
            "no paper session " + (repr(session_id) if session_id else "in this database")
        )
    result = backtest_session(store, session)
    journal, backtest = journal_fills(store, session.session_id), backtest_fills(result)
    if journal != backtest:
        count = sum(len(v) for v in backtest.values())
        raise KtapeError(
            f"session {session.session_id}: the recorded tape backtests to {count} fills, "
            f"the journal holds {session.fills}; was another recorder writing these markets?"
        )
    write_report(out, result)
    if fills_out is not None:
        write_fills(fills_out, result)
    return session


DB_HELP = "Warehouse URL (default $KTAPE_DB, else db_url of $KTAPE_CONFIG, else a DuckDB file)."


@click.command("report")
@click.option("--session", "session_id", help="Session id (default: the latest).")
@click.option("--db", "db_url", help=DB_HELP)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("paper-report.html"),
    show_default=True,
    help="HTML file to write.",
)
@click.option(
    "--fills",
    "fills_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write every fill (order id, decision/arrival time, price, fee, the trade that "
    "filled a maker) to this .csv or .parquet file.",
)
def report_command(
    session_id: str | None, db_url: str | None, out: Path, fills_out: Path | None
) -> None:
    """Render a paper session as the backtest's HTML report (replayed from its tape)."""
    try:
        check_output_file(out)
        if fills_out is not None:
            check_fills_path(fills_out)
        settings = load_settings({"db_url": db_url})
        with open_existing(settings.db_url) as store:
            row = write_session_report(store, session_id, out, fills_out)
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"session {row.session_id}: {row.fills} fills, P&L ${row.pnl} -> {out}")
