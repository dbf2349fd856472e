"""`ktape paper` (run a strategy live on paper) and `ktape paper report` (its HTML report)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

import click

from kalshi_tape.core.errors import KtapeError, TransportError
from kalshi_tape.paper.journal import SessionRow
from kalshi_tape.paper.session import PaperConfig, run_session
from kalshi_tape.settings.entry import load_command
from kalshi_tape.settings.paper import PaperModel
from kalshi_tape.settings.redact import redact_url
from kalshi_tape.settings.shared import Settings
from kalshi_tape.storage import open_store
from kalshi_tape.strategy import create_strategy

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
    help="Stop after N bars (minutes of exchange time; default paper.bars, else when every "
    "event closed).",
)
@click.option(
    "--seconds",
    type=click.FloatRange(min=0, min_open=True),
    help="Stop after N seconds of wall time (default paper.seconds, else Ctrl-C or every event "
    "closed).",
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
    flags = {"db_url": db_url, "base_url": base_url, "bars": bars, "seconds": seconds}
    settings, config = _checked(series, strategy, _params(params), flags)
    click.echo(f"paper: {strategy} on {config.series}; journal in {redact_url(settings.db_url)}")
    _print_summary(_session(settings, config))


def _checked(
    series: str | None, strategy: str | None, params: dict[str, str], flags: dict[str, Any]
) -> tuple[Settings, PaperConfig]:
    """The settings and the session, once the strategy is known to load (a typo fails
    before the warehouse opens)."""
    if not strategy or not series:
        raise click.UsageError("give --strategy and --series (or a subcommand: report)")
    try:
        create_strategy(strategy, params)
        settings, paper = load_command(PaperModel, flags, ("db_url", "base_url"))
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None
    return settings, _config(series, strategy, params, paper)


def _session(settings: Settings, config: PaperConfig) -> SessionRow:
    """Run the session, exchange and session errors as click errors."""
    try:
        return asyncio.run(_run(settings, config))
    except TransportError as exc:
        where = settings.base_url
        raise click.ClickException(f"cannot reach the exchange at {where}: {exc}") from None
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None


def _config(series: str, strategy: str, params: dict[str, str], paper: PaperModel) -> PaperConfig:
    return PaperConfig(
        series.upper(),
        strategy,
        params,
        max_bars=paper.bars,
        seconds=paper.seconds,
        flush_every=paper.flush_every,
        closed_poll_s=paper.closed_poll_s,
    )


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
