"""`ktape backfill`: a thin click layer over the backfill library."""

from __future__ import annotations

from datetime import datetime

import click
from rich.console import Console

from kalshi_tape.backfill.plan import PERIODS
from kalshi_tape.backfill.progress import backfill
from kalshi_tape.backfill.report import print_plan, print_summary
from kalshi_tape.backfill.runner import BackfillOptions
from kalshi_tape.client.discover import Selection
from kalshi_tape.config import load_settings
from kalshi_tape.errors import KtapeError

_PERIOD_CHOICE = click.Choice([str(p) for p in PERIODS])


@click.command("backfill")
@click.argument("event_tickers", nargs=-1)
@click.option("--series", "series", multiple=True, help="Backfill every event of this series.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First event date (inclusive).")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last event date (inclusive).")
@click.option(
    "--period",
    "periods",
    multiple=True,
    type=_PERIOD_CHOICE,
    help="Candle period in minutes (repeatable; default 1, 60 and 1440).",
)
@click.option("--trades/--no-trades", default=True, show_default=True, help="Fetch trades too.")
@click.option("--db", "db_url", help="Warehouse URL (default $KTAPE_DB or a DuckDB file).")
@click.option("--base-url", help="Exchange REST base URL (default $KALSHI_BASE_URL).")
@click.option("--tier", help="Your rate-limit tier (default $KALSHI_TIER or basic).")
@click.option("--concurrency", default=8, show_default=True, help="Requests in flight at most.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="YAML settings.")
@click.option(
    "--dry-run", is_flag=True, help="Print the plan and its request count; fetch nothing."
)
def backfill_command(
    event_tickers: tuple[str, ...],
    series: tuple[str, ...],
    start: datetime | None,
    end: datetime | None,
    periods: tuple[str, ...],
    trades: bool,
    db_url: str | None,
    base_url: str | None,
    tier: str | None,
    concurrency: int,
    config_file: str | None,
    dry_run: bool,
) -> None:
    """Backfill candles and trades of events (or whole series) into the warehouse."""
    try:
        selection = Selection(
            event_tickers=tuple(t.upper() for t in event_tickers),
            series=tuple(s.upper() for s in series),
            start=start.date() if start else None,
            end=end.date() if end else None,
        )
        options = BackfillOptions(
            periods=tuple(int(p) for p in periods) or PERIODS,
            trades=trades,
            concurrency=concurrency,
            dry_run=dry_run,
        )
        settings = load_settings(
            {"db_url": db_url, "base_url": base_url, "tier": tier}, config_file=config_file
        )
        report = backfill(settings, selection, options)
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None
    console = Console()
    if dry_run:
        print_plan(console, report, database=settings.db_url)
    else:
        print_summary(console, report, database=settings.db_url)
