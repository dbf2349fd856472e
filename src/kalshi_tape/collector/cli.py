"""`ktape collect` and `ktape book`: thin layers over `Collector` and `rebuild_book`."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from datetime import UTC, datetime
from typing import Any

import click

from kalshi_tape.books import BookUnknown, RebuiltBook, rebuild_book
from kalshi_tape.collector.daemon import Collector
from kalshi_tape.collector.fleet_cli import status_command
from kalshi_tape.collector.spool import SpoolError
from kalshi_tape.core.errors import ConfigError, KtapeError, StorageError
from kalshi_tape.core.timeparse import TimeInputError, parse_instant
from kalshi_tape.settings.collector import CollectorConfig
from kalshi_tape.settings.entry import load_collector_config
from kalshi_tape.settings.redact import redact_url
from kalshi_tape.storage import Store, default_url, open_existing, open_store

log = logging.getLogger("kalshi_tape.collector")


@click.group("collect", invoke_without_command=True)
@click.option("--config", "config_path", type=click.Path(), help="YAML settings file.")
@click.option("--event", "events", multiple=True, help="Event ticker to collect (repeatable).")
@click.option("--series", multiple=True, help="Series to follow (repeatable).")
@click.option("--db", help="Warehouse URL (else $KTAPE_DB, db_url of the file, the default).")
@click.option("--base-url", help="REST base URL (e.g. a ktape sim).")
@click.option("--ws-url", help="WebSocket URL (default: derived from the base URL).")
@click.option("--metrics-port", type=int, help="Serve Prometheus /metrics on this port.")
@click.option("--poll", is_flag=True, default=None, help="No WebSocket: poll REST (no key).")
@click.option("--shard", help="Collect shard I of N (I/N, markets split by event).")
@click.option(
    "--fleet", is_flag=True, default=None, help="Share the work with other collectors by leases."
)
@click.option("--lease-seconds", type=float, help="Fleet lease in seconds (default 15).")
@click.option("--spool-dir", help="Spool directory (else collector.spool_dir).")
@click.option("--log-level", default="INFO", show_default=True, help="Logging level.")
@click.option("--log-json", is_flag=True, help="One JSON object per log line (for journald/ELK).")
@click.pass_context
def collect_command(
    ctx: click.Context, /, log_level: str, log_json: bool, config_path: str | None, **flags: Any
) -> None:
    """Collect live books, the L2 tape, trades and snapshots until SIGTERM/SIGINT.

    `ktape collect status` shows a fleet's members and leases."""
    if ctx.invoked_subcommand is not None:
        return
    _logging(log_level, log_json)
    exits = ((ConfigError, 2), (SpoolError, 3), (KtapeError, 1))  # most specific first
    try:
        config = load_collector_config(config_path, flags=flags)
        plan = keyless_plan(config)
        if plan:
            log.warning("%s", plan)
        code = asyncio.run(_collect(config))
    except KtapeError as exc:  # e.g. a refused WebSocket handshake (wrong key or clock)
        click.echo(f"error: {exc}", err=True)
        sys.exit(next(code for kind, code in exits if isinstance(exc, kind)))
    sys.exit(code)


collect_command.add_command(status_command)


def keyless_plan(config: CollectorConfig) -> str | None:
    """What a run without an API key will do, in one line (None when a key is set)."""
    if config.settings.has_credentials:
        return None
    poll = (
        f"REST polling of {config.settings.base_url}: book snapshots every "
        f"{config.poll_interval_seconds:g} s and a trade sweep, no WebSocket tape"
    )
    if config.poll:
        return f"no API key (KALSHI_API_KEY_ID / KALSHI_PRIVATE_KEY_PATH unset): {poll}"
    return (
        "no API key (KALSHI_API_KEY_ID / KALSHI_PRIVATE_KEY_PATH unset): will open an unsigned "
        "WebSocket, which the simulator accepts and the real exchange refuses (exit 1); "
        f"--poll instead gives {poll}"
    )


async def _collect(config: CollectorConfig) -> int:
    url = config.db

    def reopen() -> Store:
        return open_store(url)

    store: Store | None
    try:
        store = open_store(url)
    except StorageError as exc:  # keep collecting into the spool until it is reachable
        log.warning("database unavailable at start, spooling: %s", exc)
        store = None
    collector = Collector(config, store, reopen=reopen)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, collector.stop)
    log.info(
        "collecting events=%s series=%s into %s (%s)",
        ",".join(config.events) or "-",
        ",".join(config.series) or "-",
        redact_url(url),
        "poll" if config.poll else "stream",
    )
    try:
        await collector.run()
    finally:
        if collector.writer.store is not None:
            collector.writer.store.close()
    log.info(
        "stopped; %d commits, %d batches spooled",
        collector.writer.commits,
        collector.writer.spooled_batches,
    )
    return 0


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
                "level": record.levelname.lower(),
                "logger": record.name,
                "msg": record.getMessage(),
            }
        )


def _logging(level: str, as_json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if as_json:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler])


def parse_moment(text: str) -> int:
    """Unix ns from the one time parser; bad input is a click usage error naming it."""
    try:
        return parse_instant(text)
    except TimeInputError as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from None


@click.command("book")
@click.argument("ticker")
@click.option(
    "--at",
    "at",
    required=True,
    help="Moment: ISO 8601 with zone (2024-01-01T15:30:00Z), a date, or epoch+unit (1704067200s).",
)
@click.option(
    "--clock",
    type=click.Choice(["received", "exchange"]),
    default="exchange",
    show_default=True,
    help="Which clock --at is on.",
)
@click.option("--db", help="Warehouse URL (default $KTAPE_DB or the DuckDB file).")
@click.option("--json", "as_json", is_flag=True, help="Print the book as JSON.")
def book_command(ticker: str, at: str, clock: str, db: str | None, as_json: bool) -> None:
    """Rebuild TICKER's order book at a past moment from the stored tape."""
    at_ns = parse_moment(at)
    try:
        with open_existing(db or default_url(), migrate=False) as store:
            rebuilt = rebuild_book(store, ticker, at_ns, clock=clock)  # type: ignore[arg-type]
    except BookUnknown as exc:
        click.echo(f"unknown: {exc}", err=True)
        sys.exit(1)
    except KtapeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps({"ticker": ticker, "at_ns": at_ns, **rebuilt.book.to_json()}))
    else:
        _print_book(ticker, f"{at} ({clock} clock)", rebuilt)


def _print_book(ticker: str, moment: str, rebuilt: RebuiltBook) -> None:
    book = rebuilt.book
    click.echo(
        f"{ticker} at {moment}: base {rebuilt.base_trigger} + {rebuilt.deltas_applied} deltas"
    )
    click.echo(
        f"  yes bid {book.best_yes_bid} x {book.yes_bid_size}   "
        f"yes ask {book.best_yes_ask} x {book.yes_ask_size}"
    )
    for side in ("yes", "no"):
        levels = "  ".join(f"{p}x{s}" for p, s in reversed(book.levels(side)))
        click.echo(f"  {side} bids: {levels or '(none)'}")
