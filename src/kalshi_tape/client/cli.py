"""`ktape watch`: live order books in the terminal; `--json` prints the final books."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Callable, Sequence

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table

from kalshi_tape.client.rest import KalshiClient
from kalshi_tape.client.stream import BookFeed, Connected, Disconnected, FeedEvent, Gap, Resync
from kalshi_tape.config import Settings, load_settings
from kalshi_tape.errors import KtapeError

SETTLE_S = 3.0  # at exit, wait this long for books being resynchronised


@click.command("watch")
@click.argument("tickers", nargs=-1)
@click.option(
    "--series",
    "series",
    multiple=True,
    help="Also watch every open market of this series (repeatable).",
)
@click.option("--seconds", type=float, default=None, help="Stop after N seconds (default: Ctrl-C).")
@click.option("--json", "as_json", is_flag=True, help="Print the final books as JSON on exit.")
@click.option("--base-url", default=None, help="REST base URL (or KALSHI_BASE_URL).")
@click.option("--ws-url", default=None, help="WebSocket URL (default: derived from the base URL).")
def watch_command(
    tickers: tuple[str, ...],
    series: tuple[str, ...],
    seconds: float | None,
    as_json: bool,
    base_url: str | None,
    ws_url: str | None,
) -> None:
    """Watch the order books of TICKER... (or of whole series) live (compact view)."""
    if not tickers and not series:
        raise click.UsageError("give market tickers, or --series SERIES")
    try:
        settings = load_settings({"base_url": base_url, "ws_url": ws_url})
        tickers = tuple(dict.fromkeys(tickers + asyncio.run(open_markets(settings, series))))
        if not tickers:
            raise click.ClickException(f"no open markets in {', '.join(series)}")
        err = Console(stderr=True)
        if not settings.has_credentials:
            err.print(
                "[yellow]warning:[/] no KALSHI_API_KEY_ID / KALSHI_PRIVATE_KEY_PATH;"
                " the handshake is unsigned (Kalshi requires a signed one)"
            )
        view = Console(stderr=True) if as_json else Console()
        books = asyncio.run(watch(settings, tickers, seconds, view if view.is_terminal else None))
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(books, indent=1))
    missing = [t for t, book in books.items() if book is None]
    if missing:
        click.echo(f"not in sync at exit: {', '.join(missing)}", err=True)
        sys.exit(1)


async def open_markets(settings: Settings, series: Sequence[str]) -> tuple[str, ...]:
    """Tickers of the open markets of each series (one paginated listing per series)."""
    if not series:
        return ()
    async with KalshiClient(settings) as client:
        return tuple(
            [
                market.ticker
                for name in series
                async for market in client.iter_markets(series_ticker=name.upper(), status="open")
            ]
        )


async def watch(
    settings: Settings,
    tickers: Sequence[str],
    seconds: float | None,
    console: Console | None = None,
) -> dict[str, dict[str, list[list[str]]] | None]:
    """Run a `BookFeed` for `seconds` (or until SIGINT/SIGTERM); return the final books."""
    stop = asyncio.Event()
    _on_signals(stop)
    counters = {"gaps": 0, "resyncs": 0, "reconnects": 0, "disconnects": 0}
    async with BookFeed(settings, tickers) as feed:
        task = asyncio.create_task(_consume(feed, counters))
        live = (
            Live(_table(feed, counters), console=console, refresh_per_second=4) if console else None
        )

        def refresh() -> None:
            if live is not None:
                live.update(_table(feed, counters))

        with live or contextlib.nullcontext():
            await _until(stop, task, seconds, refresh)
            await _until_synced(feed, task)
        await feed.close()
        await asyncio.wait_for(task, 5.0)
    return {t: feed.books[t].to_json() if t in feed.books else None for t in tickers}


async def _consume(feed: BookFeed, counters: dict[str, int]) -> None:
    async for event in feed.events():
        _count(event, counters)


def _count(event: FeedEvent, counters: dict[str, int]) -> None:
    if isinstance(event, Gap):
        counters["gaps"] += 1
    elif isinstance(event, Resync):
        counters["resyncs"] += 1
    elif isinstance(event, Connected) and event.reconnect:
        counters["reconnects"] += 1
    elif isinstance(event, Disconnected):
        counters["disconnects"] += 1


async def _until(
    stop: asyncio.Event, task: asyncio.Task[None], seconds: float | None, tick: Callable[[], None]
) -> None:
    loop = asyncio.get_running_loop()
    deadline = None if seconds is None else loop.time() + seconds
    while not stop.is_set() and not task.done():
        if deadline is not None and loop.time() >= deadline:
            break
        await asyncio.sleep(0.25)
        tick()
    if task.done():
        task.result()  # raise what stopped the feed (e.g. a refused handshake)


async def _until_synced(feed: BookFeed, task: asyncio.Task[None]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_S
    while not feed.synced and not task.done() and loop.time() < deadline:
        await asyncio.sleep(0.05)


def _on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)


def _table(feed: BookFeed, counters: dict[str, int]) -> Table:
    table = Table(
        title="ktape watch",
        caption=(
            f"deltas {feed.stats.deltas}  gaps {counters['gaps']}  resyncs {counters['resyncs']}"
            f"  reconnects {counters['reconnects']}"
        ),
    )
    for column in ("market", "yes bid", "size", "yes ask", "size", "depth y/n", "state"):
        table.add_column(column, justify="left" if column == "market" else "right")
    for ticker in sorted(feed.state.tickers):
        book = feed.books.get(ticker)
        if book is None:
            table.add_row(ticker, "", "", "", "", "", "[yellow]syncing")
            continue
        table.add_row(
            ticker,
            _text(book.best_yes_bid),
            _text(book.yes_bid_size),
            _text(book.best_yes_ask),
            _text(book.yes_ask_size),
            f"{book.depth('yes')}/{book.depth('no')}",
            "[green]live",
        )
    return table


def _text(value: object) -> str:
    return "-" if value is None else str(value)
