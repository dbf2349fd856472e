"""`ktape backtest` and `ktape import quotes`: thin wrappers over the backtest library."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import click

from kalshi_tape.backtest.data.panel import BacktestInputError, Delays
from kalshi_tape.backtest.data.quotes import import_quotes
from kalshi_tape.backtest.data.wxsource import store_weather
from kalshi_tape.backtest.execution.candle import FillRules
from kalshi_tape.backtest.report.fills_file import check_fills_path, write_fills
from kalshi_tape.backtest.report.html import write_report
from kalshi_tape.backtest.run.runner import DATA_MODES, BacktestConfig, BacktestResult, run_backtest
from kalshi_tape.backtest.run.sweep import parse_grid, run_sweep
from kalshi_tape.backtest.signals.calibration import METHODS, Method
from kalshi_tape.backtest.strategies.shipped import REGISTRY, create_strategy
from kalshi_tape.cli.options import options
from kalshi_tape.cli.outputs import check_output_file
from kalshi_tape.core.errors import KtapeError
from kalshi_tape.settings.load import load_settings
from kalshi_tape.storage import DEFAULT_URL, ENV_VAR, open_existing, open_store

F = TypeVar("F", bound=Callable[..., Any])
DB_HELP = (
    f"Database URL: duckdb:///file.duckdb or postgresql://user@host/db "
    f"[default: ${ENV_VAR}, else db_url of $KTAPE_CONFIG, else {DEFAULT_URL}]."
)


def _params(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected k=v, got {pair!r}", param_hint="--param")
        out[key.strip()] = value.strip()
    return out


def _decimal(text: str, name: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise click.BadParameter(f"not a number: {text!r}", param_hint=name) from None


_DAY = click.DateTime(["%Y-%m-%d"])
_FILE = click.Path(dir_okay=False, path_type=Path)
_what = options(
    click.option("--series", required=True, help="Series ticker, e.g. KXHIGHNY."),
    click.option("--start", required=True, type=_DAY, help="First climate day (YYYY-MM-DD)."),
    click.option("--end", required=True, type=_DAY, help="Last climate day (YYYY-MM-DD)."),
    click.option(
        "--strategy",
        required=True,
        help=f"Strategy: {', '.join(sorted(REGISTRY.factories))}, or your own: "
        "path/to/file.py:Name, package.module:Name, or a kalshi_tape.strategies entry point.",
    ),
    click.option("--param", "params", multiple=True, help="Strategy parameter k=v (repeatable)."),
    click.option(
        "--data",
        type=click.Choice(DATA_MODES),
        default="candles",
        show_default=True,
        help="candles: stored candles or imported quotes, bar fills by --slippage, --taker-at, "
        "--participation, --queue-ahead. tape: the recorded order book (snapshots, deltas) and "
        "trades, takers walk the depth and makers wait behind the queue (the fill options, "
        "--weather, delays and --calibration do not apply).",
    ),
)
_where = options(
    click.option(
        "--sweep", "sweeps", multiple=True, help="Grid k=a,b,c run in parallel (repeatable)."
    ),
    click.option(
        "--cluster", default=None, help="Dask scheduler address (tcp://host:8786) for --sweep."
    ),
    click.option("--workers", default=2, show_default=True, help="Local processes for --sweep."),
    click.option("--db", "url", default=None, help=DB_HELP),
    click.option(
        "--out",
        type=_FILE,
        default=Path("backtest.html"),
        show_default=True,
        help="Report file (one self-contained HTML).",
    ),
    click.option(
        "--fills",
        "fills_out",
        type=_FILE,
        default=None,
        help="Also write every fill (order id, decision/arrival time, price, fee, the "
        "trade or bar that filled a maker) to this .csv or .parquet file.",
    ),
    click.option(
        "--seed",
        default=0,
        show_default=True,
        help="Seed of every random draw (weather Monte-Carlo).",
    ),
)
_fill_rules = options(
    click.option(
        "--slippage",
        default="0.01",
        show_default=True,
        help="Taker slippage in dollars per contract.",
    ),
    click.option(
        "--taker-at",
        type=click.Choice(["next_open", "close"]),
        default="next_open",
        show_default=True,
        help="Taker fills at the next bar's opening quotes, or at the deciding bar's close.",
    ),
    click.option(
        "--participation",
        default=1.0,
        show_default=True,
        help="Share of a bar's volume a maker order may fill.",
    ),
    click.option(
        "--queue-ahead",
        default="0",
        show_default=True,
        help="Contracts ahead of each maker order at its price (filled first).",
    ),
)
_model = options(
    click.option(
        "--calibration",
        type=click.Choice(["auto", "none", "platt", "isotonic", "temperature"]),
        default="auto",
        show_default=True,
        help="Calibration of the fused PMF, fitted walk-forward.",
    ),
    click.option(
        "--weather/--no-weather",
        default=True,
        show_default=True,
        help="Use stored weather observations and forecasts when present.",
    ),
    click.option(
        "--obs-delay",
        default=0,
        show_default=True,
        help="Seconds before an observation is available (ASOS 1-minute: about 86400).",
    ),
    click.option(
        "--candle-delay",
        default=0,
        show_default=True,
        help="Seconds after a candle's period end before it is available.",
    ),
)


@click.command("backtest")
@_what
@_where
@_fill_rules
@_model
def backtest_command(**opts: Any) -> None:
    """Backtest a strategy on stored candles, quotes or order-book tape; write an HTML report."""
    config = config_from_options(opts)
    db_url = load_settings({"db_url": opts["url"]}).db_url
    out, fills_out = opts["out"], opts["fills_out"]
    try:
        check_output_file(out)
        if fills_out is not None:
            check_fills_path(fills_out)
        grid = checked_grid(config, opts["sweeps"])
        with open_existing(db_url) as store:
            source = store_weather(store) if opts["weather"] else None
            result = run_backtest(store, config, source)
        rows = run_sweep(db_url, config, grid, opts["workers"], opts["cluster"]) if grid else []
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from exc
    _write_outputs(result, rows, out, fills_out)


def config_from_options(opts: dict[str, Any]) -> BacktestConfig:
    """The `BacktestConfig` of `ktape backtest`'s options."""
    return BacktestConfig(
        series=opts["series"].upper(),
        start=_day(opts["start"]),
        end=_day(opts["end"]),
        strategy=opts["strategy"],
        params=_params(opts["params"]),
        seed=opts["seed"],
        delays=Delays(candles=opts["candle_delay"], observations=opts["obs_delay"]),
        rules=FillRules(
            slippage=_decimal(opts["slippage"], "--slippage"),
            taker_price="close" if opts["taker_at"] == "close" else "next_open",
            participation=opts["participation"],
            queue_ahead=_decimal(opts["queue_ahead"], "--queue-ahead"),
        ),
        calibration=_method(opts["calibration"]),
        data="tape" if opts["data"] == "tape" else "candles",
    )


def checked_grid(config: BacktestConfig, sweeps: tuple[str, ...]) -> list[dict[str, str]]:
    """The sweep grid, every combination's strategy built once so a bad grid fails first."""
    create_strategy(config.strategy, config.params)
    grid = parse_grid(sweeps) if sweeps else []
    for combo in grid:
        create_strategy(config.strategy, {**config.params, **combo})
    return grid


def _write_outputs(
    result: BacktestResult, rows: list[tuple[str, Decimal, int]], out: Path, fills_out: Path | None
) -> None:
    try:
        write_report(out, result, rows)
        if fills_out is not None:
            write_fills(fills_out, result)
    except OSError as exc:
        raise click.ClickException(f"cannot write {exc.filename}: {exc.strerror}") from None
    pnl = sum((e.result.pnl for e in result.events), Decimal(0))
    fills = sum(len(e.result.fills) for e in result.events)
    extra = f" (fills: {fills_out})" if fills_out is not None else ""
    click.echo(f"{len(result.events)} events, {fills} fills, P&L after fees ${pnl} -> {out}{extra}")


def _method(name: str) -> Method:
    for method in ("auto", *METHODS):
        if method == name:
            return method
    raise click.BadParameter(f"unknown calibration {name!r}", param_hint="--calibration")


def _day(value: object) -> date:
    assert hasattr(value, "date")
    day: date = value.date()
    return day


@click.command("quotes")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--tz",
    "zone",
    required=True,
    help="IANA time zone of the logs' naive timestamps, e.g. America/Los_Angeles.",
)
@click.option(
    "--highs",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV of official daily highs (date, official_daily_high_f or actual_high) "
    "to settle the events.",
)
@click.option("--db", "url", default=None, help=DB_HELP)
def quotes_command(files: tuple[Path, ...], zone: str, highs: Path | None, url: str | None) -> None:
    """Load top-of-book CSV logs (timestamp, market_ticker, best_yes_bid, ...) as snapshots."""
    try:
        with open_store(load_settings({"db_url": url}).db_url) as store:
            report = import_quotes(store, files, zone, highs)
    except (KtapeError, BacktestInputError) as exc:
        raise click.ClickException(str(exc)) from exc
    for line in report:
        click.echo(line)
