"""`ktape weather fetch` and `ktape weather settle-check`: thin click layers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kalshi_tape.cli.options import options
from kalshi_tape.core.errors import ConfigError, KtapeError
from kalshi_tape.settings.entry import load_command
from kalshi_tape.settings.load import load_settings
from kalshi_tape.settings.weather import WeatherModel
from kalshi_tape.weather.pipeline import DEFAULT_SOURCES, SOURCES, FetchPlan, FetchReport
from kalshi_tape.weather.runner import run_fetch, run_settle_check
from kalshi_tape.weather.settle import SettleReport, market_rows
from kalshi_tape.weather.sites import site_for
from kalshi_tape.weather.verdict import AGREES, DISAGREES, UNKNOWN

_DATE = click.DateTime(["%Y-%m-%d"])


@click.group("weather")
def weather_group() -> None:
    """Weather: observations, the NWS climate report, forecasts, settlement checks."""


def _settings(config_file: str | None, **flags: Any) -> Any:
    return load_settings(flags, config_file=config_file)


SHARED_FLAGS = ("db_url", "iem_url", "awc_url", "nws_url")
# fetch's flags: the top layer of the settings (shared ones and `weather:`), then the run's
_FETCH_OPTIONS = (
    click.option("--series", "series", multiple=True, help="Series whose station to fetch."),
    click.option("--station", "stations", multiple=True, help="Station id (KNYC, NYC, CLINYC)."),
    click.option("--start", type=_DATE, required=True, help="First climate day (inclusive)."),
    click.option("--end", type=_DATE, required=True, help="Last climate day (inclusive)."),
    click.option(
        "--source",
        "sources",
        multiple=True,
        type=click.Choice(SOURCES),
        help=f"Source to fetch (repeatable; default {', '.join(DEFAULT_SOURCES)}).",
    ),
    click.option("--refresh", is_flag=True, help="Ignore checkpoints and fetch everything again."),
    click.option("--db", "db_url", help="Warehouse URL (default $KTAPE_DB or a DuckDB file)."),
    click.option("--iem-url", help="IEM base URL (default $KTAPE_IEM_URL or the real IEM)."),
    click.option("--awc-url", help="Aviation Weather Center base URL (default $KTAPE_AWC_URL)."),
    click.option("--nws-url", help="NWS API base URL (default $KTAPE_NWS_URL)."),
    click.option(
        "--cache-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Keep responses that can no longer change here and reuse them "
        "(default weather.cache_dir: none).",
    ),
    click.option("--config", "config_file", type=click.Path(dir_okay=False), help="YAML settings."),
)


_fetch_options = options(*_FETCH_OPTIONS)


@weather_group.command("fetch")
@_fetch_options
def fetch_command(
    series: tuple[str, ...],
    stations: tuple[str, ...],
    start: datetime,
    end: datetime,
    sources: tuple[str, ...],
    refresh: bool,
    config_file: str | None,
    **flags: Any,
) -> None:
    """Fetch observations, climate reports and forecasts into the warehouse (resumable)."""
    console = Console(stderr=True)
    try:
        sites = tuple(dict.fromkeys(site_for(n) for n in (*series, *stations)))
        plan = FetchPlan(sites, start.date(), end.date(), sources or DEFAULT_SOURCES, refresh)
        settings, options = load_command(WeatherModel, flags, SHARED_FLAGS, config_file=config_file)
        with _progress(console) as progress:
            report = run_fetch(settings, plan, options, on_progress=_bars(progress))
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None
    _print_fetch(Console(soft_wrap=True), report)


def _bars(progress: Progress) -> Callable[[str, int, int], None]:
    """One bar per source, created when the source first reports."""
    bars: dict[str, Any] = {}

    def advance(source: str, done: int, total: int) -> None:
        if source not in bars:
            bars[source] = progress.add_task(source, total=total)
        progress.update(bars[source], completed=done)

    return advance


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def _print_fetch(console: Console, report: FetchReport) -> None:
    table = Table("source", "rows", title="weather fetch")
    for source, count in sorted(report.rows.items()):
        table.add_row(source, f"{count:,}")
    console.print(table)
    console.print(
        f"tasks {report.tasks}: {report.done} done, {report.skipped} skipped (already done), "
        f"{len(report.pending)} stored but may still change; {report.requests} requests, "
        f"{report.cache_hits} from cache, {report.elapsed_s:.1f} s"
    )
    for note in report.notes:
        console.print(f"note: {note}")


@weather_group.command("settle-check")
@click.option("--series", required=True, help="Series to check, e.g. KXHIGHNY.")
@click.option("--start", type=_DATE, required=True, help="First climate day (inclusive).")
@click.option("--end", type=_DATE, required=True, help="Last climate day (inclusive).")
@click.option(
    "--fetch-markets",
    is_flag=True,
    help="First fetch the range's settled markets from the exchange into the warehouse.",
)
@click.option("--db", "db_url", help="Warehouse URL (default $KTAPE_DB or a DuckDB file).")
@click.option("--base-url", help="Exchange REST base URL (default $KALSHI_BASE_URL).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="YAML settings.")
@click.option("--json", "as_json", is_flag=True, help="One JSON record per market on stdout.")
def settle_check_command(
    series: str,
    start: datetime,
    end: datetime,
    fetch_markets: bool,
    db_url: str | None,
    base_url: str | None,
    config_file: str | None,
    as_json: bool,
) -> None:
    """Check each market against the climate report: the report used, the value, the bracket
    it implies, the result and agrees/disagrees/unknown with the reason; exit 1 on any
    disagreement."""
    try:
        _check_range(series, start, end)
        settings = _settings(config_file, db_url=db_url, base_url=base_url)
        report = run_settle_check(settings, series.upper(), start.date(), end.date(),
                                  fetch_markets=fetch_markets)  # fmt: skip
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(market_rows(report), indent=2))
    else:
        print_settle(Console(soft_wrap=True), report, start.date(), end.date())
    if report.disagreements:
        raise SystemExit(1)


def _check_range(series: str, start: datetime, end: datetime) -> None:
    """Refuse an unknown series and an inverted range before anything is opened."""
    site_for(series)
    if end < start:
        raise ConfigError("dates", f"end {end.date()} is before start {start.date()}")


def print_settle(console: Console, report: SettleReport, start: date, end: date) -> None:
    if not report.events:
        console.print(
            f"no settled markets {start}..{end} in the warehouse: add --fetch-markets "
            "(or run ktape backfill first)"
        )
        return
    console.print(_settle_table(report))
    console.print(
        f"{len(report.events)} settled events {start}..{end}: "
        f"{len(report.disagreements)} disagreements, {len(report.preliminary)} with a "
        f"preliminary CLI only, {len(report.missing)} without a CLI; markets: "
        f"{report.count(AGREES)} agree, {report.count(DISAGREES)} disagree, "
        f"{report.count(UNKNOWN)} unknown"
    )
    for event, market in report.disagreements:
        console.print(
            f"DISAGREEMENT {market.ticker}: CLI {event.cli_high} ({event.cli_source}) "
            f"-> {market.bracket.describe()} should be {market.expected}, settled {market.result}"
        )
    for _, market in report.markets:
        if market.verdict == UNKNOWN:
            console.print(f"UNKNOWN {market.ticker}: {market.reason}")
    for event in report.preliminary:
        console.print(f"PRELIMINARY {event.event_ticker}: CLI {event.cli_high} not final")
    for event in report.missing:
        console.print(f"MISSING {event.event_ticker}: no CLI for {event.climate_date}")


def _settle_table(report: SettleReport) -> Table:
    table = Table("market", "report used", "value", "bracket", "implies", "result", "verdict")
    for event, market in report.markets:
        table.add_row(
            market.ticker,
            "-" if event.report is None else event.report.describe(),
            "-" if event.cli_high is None else str(event.cli_high),
            market.bracket.describe(),
            market.expected or "-",
            market.result or "-",
            market.verdict,
        )
    return table
