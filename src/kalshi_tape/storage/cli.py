"""`ktape db init|migrate|info`, `ktape export` and `ktape import`: thin wrappers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kalshi_tape.cli.options import cli_errors
from kalshi_tape.cli.outputs import check_output_folder
from kalshi_tape.settings.load import load_settings
from kalshi_tape.storage import DEFAULT_URL, ENV_VAR, Store, open_existing, open_store
from kalshi_tape.storage.parquet import export_parquet, import_parquet


def _db_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--db",
        "url",
        default=None,
        help=f"Database URL: duckdb:///file.duckdb or postgresql://user@host/db "
        f"[default: ${ENV_VAR}, else db_url of $KTAPE_CONFIG, else {DEFAULT_URL}].",
    )(fn)


def _open(url: str | None, *, migrate: bool = True) -> Store:
    """The store at --db, else the configured one (environment, YAML file, default)."""
    return open_store(load_settings({"db_url": url}).db_url, migrate=migrate)


def _open_existing(url: str | None) -> Store:
    """Like `_open`, for commands that only read: a missing warehouse is an error."""
    return open_existing(load_settings({"db_url": url}).db_url)


@click.group("db")
def db_group() -> None:
    """Create, migrate and inspect the warehouse."""


@db_group.command("init")
@_db_option
def init_command(url: str | None) -> None:
    """Create the warehouse (all tables) if it does not exist yet."""
    with cli_errors(), _open(url, migrate=False) as store:
        applied = store.migrate()
        info = store.info()
    click.echo(f"{info.location}: schema version {info.schema_version} ({len(applied)} applied)")


@db_group.command("migrate")
@_db_option
def migrate_command(url: str | None) -> None:
    """Apply pending migrations (safe to run again)."""
    with cli_errors(), _open(url, migrate=False) as store:
        applied = store.migrate()
    click.echo("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))


@db_group.command("info")
@_db_option
def info_command(url: str | None) -> None:
    """Backend, schema version, TimescaleDB state and row counts."""
    with cli_errors(), _open_existing(url) as store:
        info = store.info()
    click.echo(f"backend:        {info.backend}")
    click.echo(f"location:       {info.location}")
    click.echo(f"schema version: {info.schema_version}")
    hyper = ", ".join(info.hypertables) or "none"
    click.echo(f"timescaledb:    {'yes' if info.timescaledb else 'no'} (hypertables: {hyper})")
    for name, rows in info.row_counts.items():
        click.echo(f"  {name:<22} {rows:>12,}")


@click.command("export")
@_db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet"]),
    default="parquet",
    show_default=True,
    help="File format (Parquet, hive-partitioned by table and date).",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into (created if missing; one subfolder per table).",
)
@click.option("--table", "tables", multiple=True, help="Export only these tables (repeatable).")
@click.option(
    "--overwrite",
    is_flag=True,
    help="Remove each table folder first (drops partitions no longer in the warehouse). "
    "Without it, a rerun replaces the partitions it writes and keeps the others.",
)
def export_command(
    url: str | None, fmt: str, out_dir: Path, tables: tuple[str, ...], overwrite: bool
) -> None:
    """Export tables to Parquet, hive-partitioned by table and date (rerun-safe)."""
    with cli_errors():
        check_output_folder(out_dir)
        with _open_existing(url) as store:
            written = export_parquet(store, out_dir, tables=tables or None, overwrite=overwrite)
    for name, rows in written.items():
        click.echo(f"{name:<22} {rows:>12,} rows")


class _DefaultParquetGroup(click.Group):
    """`ktape import DIR` keeps meaning `ktape import parquet DIR`; other formats are
    subcommands (`ktape import quotes FILE...`, added by the backtest package)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["parquet", *args]
        return super().parse_args(ctx, args)


@click.group("import", cls=_DefaultParquetGroup)
def import_command() -> None:
    """Load data: a Parquet export (`ktape import DIR`) or another format (subcommands)."""


@import_command.command("parquet")
@_db_option
@click.argument("in_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def import_parquet_command(url: str | None, in_dir: Path) -> None:
    """Upsert a Parquet export (from `ktape export`) into the warehouse."""
    with cli_errors(), _open(url) as store:
        read = import_parquet(store, in_dir)
    for name, rows in read.items():
        click.echo(f"{name:<22} {rows:>12,} rows")
