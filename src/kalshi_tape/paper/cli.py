"""`ktape paper` (run a strategy live on paper) and `ktape paper report` (its HTML report)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

import click

from kalshi_tape.backtest.fillsfile import check_fills_path
from kalshi_tape.backtest.strategies import create_strategy
from kalshi_tape.config import Settings, load_settings, redact_url
from kalshi_tape.errors import KtapeError, TransportError
from kalshi_tape.outputs import check_output_file
from kalshi_tape.paper.journal import SessionRow
from kalshi_tape.paper.report import write_session_report
from kalshi_tape.paper.session import PaperConfig, run_session
from kalshi_tape.storage import open_existing, open_store

DB_HELP = "Warehouse URL (default $KTAPE_DB, else db_url of $KTAPE_CONFIG, else a DuckDB file)."


def _params(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected k=v, got {pair!r}", param_hint="--param")
        out[key.strip()] = value.strip()
    return out


@click.group("paper", invoke_without_command=True)
@click.option(
    "--strategy",
    help="As for `ktape backtest`: a shipped name (e.g. fair_value) or path/to/file.py:Name.",
)
@click.option("--series", help="Series to trade, e.g. KXHIGHNY (its open events).")
@click.option("--param", "params", multiple=True, help="Strategy parameter k=v (repeatable).")
@click.option("--db", "db_url", help=DB_HELP)
@click.option("--base-url", help="Exchange REST base URL (default $KALSHI_BASE_URL).")
@click.option(
    "--bars",
    type=click.IntRange(min=1),
    help="Stop after N bars (minutes of exchange time; default: when every event closed).",
)
@click.option(
    "--seconds",
    type=click.FloatRange(min=0, min_open=True),
    help="Stop after N seconds of wall time (default: Ctrl-C or every event closed).",
)
@click.pass_context
def paper_group(
    ctx: click.Context,
    strategy: str | None,
    series: str | None,
    params: tuple[str, ...],
    db_url: str | None,
    base_url: str | None,
    bars: int | None,
    seconds: float | None,
) -> None:
    """Run a backtest strategy unchanged on the live feed, orders simulated on paper."""
    if ctx.invoked_subcommand is not None:
        return
    if not strategy or not series:
        raise click.UsageError("give --strategy and --series (or a subcommand: report)")
    config = PaperConfig(series.upper(), strategy, _params(params), bars, seconds)
    settings = _checked(config, {"db_url": db_url, "base_url": base_url})
    click.echo(f"paper: {strategy} on {config.series}; journal in {redact_url(settings.db_url)}")
    _print_summary(_session(settings, config))


def _checked(config: PaperConfig, overrides: dict[str, str | None]) -> Settings:
    """The settings, once the strategy is known to load (a typo fails before the warehouse
    opens)."""
    try:
        create_strategy(config.strategy, config.params)
        return load_settings(overrides)
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None


def _session(settings: Settings, config: PaperConfig) -> SessionRow:
    """Run the session, exchange and session errors as click errors."""
    try:
        return asyncio.run(_run(settings, config))
    except TransportError as exc:
        where = settings.base_url
        raise click.ClickException(f"cannot reach the exchange at {where}: {exc}") from None
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None


async def _run(settings: Settings, config: PaperConfig) -> SessionRow:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    with open_store(settings.db_url) as store:
        return await run_session(settings, store, config, stop=stop)


def _print_summary(row: SessionRow) -> None:
    valued = "positions at settlement" if row.settled else "positions at the last mid, unsettled"
    click.echo(f"session {row.session_id}: {row.bars} bars, {row.fills} fills")
    click.echo(f"fees ${row.fees}  cash ${row.cash}  P&L ${row.pnl} ({valued})")
    click.echo(f"report: ktape paper report --session {row.session_id} --out paper.html")


@paper_group.command("report")
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
