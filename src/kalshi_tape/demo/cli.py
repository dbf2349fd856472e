"""`ktape demo`: a thin click layer over the demo (simulator + backfill into DuckDB)."""

from __future__ import annotations

import click
from rich.console import Console

from kalshi_tape.core.errors import KtapeError


@click.command("demo")
@click.option(
    "--db",
    "db_url",
    default="duckdb:///ktape-demo.duckdb",
    show_default=True,
    help="Where to store the demo data.",
)
@click.option("--days", default=7, show_default=True, help="Days of settled events to fetch.")
@click.option("--seed", default=7, show_default=True, help="Simulator seed.")
def demo_command(db_url: str, days: int, seed: int) -> None:
    """Start the simulator in-process and backfill a week of several cities (DuckDB)."""
    from kalshi_tape.demo.run import run_demo

    try:
        run_demo(db_url=db_url, days=days, seed=seed, console=Console())
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None
