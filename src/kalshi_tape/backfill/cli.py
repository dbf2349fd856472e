"""`ktape backfill`: a thin click layer over the backfill library."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click
from rich.console import Console

from kalshi_tape.backfill.plan import PERIODS
from kalshi_tape.backfill.progress import backfill
from kalshi_tape.backfill.report import print_plan, print_summary
from kalshi_tape.backfill.runner import BackfillOptions
from kalshi_tape.cli.options import options
from kalshi_tape.client.discover import Selection
from kalshi_tape.core.errors import KtapeError
from kalshi_tape.settings.backfill import BackfillModel
from kalshi_tape.settings.entry import load_command

SHARED_FLAGS = ("db_url", "base_url", "tier")
# Flags are the top layer of the settings: unset ones leave the file and environment be.
_OPTIONS = (
    click.argument("event_tickers", nargs=-1),
    click.option("--series", "series", multiple=True, help="Backfill every event of this series."),
    click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First event date."),
    click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last event date (inclusive)."),
    click.option(
        "--period",
        "periods",
        multiple=True,
        type=click.Choice([str(p) for p in PERIODS]),
        help="Candle period in minutes (repeatable; default backfill.periods: 1, 60 and 1440).",
    ),
    click.option(
        "--trades/--no-trades", default=None, help="Fetch trades too (default backfill.trades: on)."
    ),
    click.option("--db", "db_url", help="Warehouse URL (default $KTAPE_DB or a DuckDB file)."),
    click.option("--base-url", help="Exchange REST base URL (default $KALSHI_BASE_URL)."),
    click.option("--tier", help="Your rate-limit tier (default $KALSHI_TIER or basic)."),
    click.option(
        "--concurrency",
        type=int,
        help="Requests in flight at most (default backfill.concurrency: 8).",
    ),
    click.option("--config", "config_file", type=click.Path(dir_okay=False), help="YAML settings."),
    click.option(
        "--dry-run", is_flag=True, help="Print the plan and its request count; fetch nothing."
    ),
)


_with_options = options(*_OPTIONS)


@click.command("backfill")
@_with_options
def backfill_command(
    event_tickers: tuple[str, ...],
    series: tuple[str, ...],
    start: datetime | None,
    end: datetime | None,
    config_file: str | None,
    dry_run: bool,
    **flags: Any,
) -> None:
    """Backfill candles and trades of events (or whole series) into the warehouse."""
    try:
        selection = Selection(
            event_tickers=tuple(t.upper() for t in event_tickers),
            series=tuple(s.upper() for s in series),
            start=start.date() if start else None,
            end=end.date() if end else None,
        )
        settings, model = load_command(BackfillModel, flags, SHARED_FLAGS, config_file=config_file)
        report = backfill(settings, selection, BackfillOptions(**dict(model), dry_run=dry_run))
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None
    show = print_plan if dry_run else print_summary
    show(Console(), report, database=settings.db_url)
