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
from kalshi_tape.core.errors import KtapeError, NotFound, TransportError
from kalshi_tape.settings.load import load_settings
from kalshi_tape.settings.shared import Settings

SETTLE_S = 3.0  # at exit, wait this long for books being resynchronised
STATUS_EVERY_S = 5.0  # plain status lines when the output is not a terminal


@click.command("watch")
@click.argument("tickers", nargs=-1)
@click.option(
    "--series",
    "series",
    multiple=True,
    help="Also watch every open market of this series (repeatable).",
)
@click.option(
    "--seconds",
    type=click.FloatRange(min=0, min_open=True),
    help="Stop after N seconds, N > 0 (default: Ctrl-C).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the final books as JSON on exit.")
@click.option("--base-url", default=None, help="REST base URL (or KALSHI_BASE_URL).")
@click.option("--ws-url", default=None, help="WebSocket URL (default: derived from the base URL).")
@click.option(
    "--status-every",
    type=click.FloatRange(min=0, min_open=True),
    default=STATUS_EVERY_S,
    show_default=True,
    help="Seconds between plain status lines when the output is not a terminal.",
)
def watch_command(
    tickers: tuple[str, ...],
    series: tuple[str, ...],
    seconds: float | None,
    as_json: bool,
    base_url: str | None,
    ws_url: str | None,
    status_every: float,
) -> None:
    """Watch the order books of TICKER... (or of whole series) live (compact view)."""
    try:
        urls = {"base_url": base_url, "ws_url": ws_url}
        books = _watch_books(urls, tickers, series, seconds, as_json, status_every)
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None
    _print_books(books, as_json)


Books = dict[str, dict[str, list[list[str]]] | None]


def _watch_books(
    urls: dict[str, str | None],
    tickers: Sequence[str],
    series: Sequence[str],
    seconds: float | None,
    as_json: bool,
    status_every: float,
) -> Books:
    """Resolve the markets, warn about an unsigned handshake, then watch."""
    if not tickers and not series:
        raise click.UsageError("give market tickers, or --series SERIES")
    settings = load_settings(urls)
    resolved = asyncio.run(_resolve(settings, tickers, series))
    if not resolved:
        raise click.ClickException(f"no open markets in {', '.join(series)}")
    if not settings.has_credentials:
        Console(stderr=True).print(
            "[yellow]warning:[/] no KALSHI_API_KEY_ID / KALSHI_PRIVATE_KEY_PATH;"
            " the handshake is unsigned (Kalshi requires a signed one)"
        )
    view = Console(stderr=True) if as_json else Console()
    return asyncio.run(watch(settings, resolved, seconds, view, status_every))


def _print_books(books: Books, as_json: bool) -> None:
    """The final books as JSON (with --json); exit 1 naming any book not in sync."""
    if as_json:
        click.echo(json.dumps(books, indent=1))
    missing = [t for t, book in books.items() if book is None]
    if missing:
        click.echo(f"not in sync at exit: {', '.join(missing)}", err=True)
        sys.exit(1)


async def _resolve(
    settings: Settings, tickers: Sequence[str], series: Sequence[str]
) -> tuple[str, ...]:
    """The markets to watch; an unknown ticker fails here with the exchange's 404, and an
    unreachable exchange is named (the WebSocket would otherwise retry quietly)."""
    try:
        async with KalshiClient(settings) as client:
            for ticker in tickers:
                try:
                    await client.get_market(ticker)
                except NotFound as exc:
                    raise click.ClickException(f"unknown market {ticker!r}: {exc}") from None
        return tuple(dict.fromkeys(tuple(tickers) + await open_markets(settings, series)))
    except TransportError as exc:
        raise click.ClickException(
            f"cannot reach the exchange at {settings.base_url}: {exc}"
        ) from None


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
    status_every: float = STATUS_EVERY_S,
) -> Books:
    """Run a `BookFeed` for `seconds` (or until SIGINT/SIGTERM); return the final books.

    On a terminal `console` the books are a live table; on any other console (a pipe, a
    log file) a plain status block is printed every `status_every` seconds."""
    stop = asyncio.Event()
    _on_signals(stop)
    counters = {"gaps": 0, "resyncs": 0, "reconnects": 0, "disconnects": 0}
    async with BookFeed(settings, tickers) as feed:
        task = asyncio.create_task(_consume(feed, counters))
        live = None
        if console is not None and console.is_terminal:
            live = Live(_table(feed, counters), console=console, refresh_per_second=4)
        loop = asyncio.get_running_loop()
        next_status = loop.time() + status_every

        def refresh() -> None:
            nonlocal next_status
            if live is not None:
                live.update(_table(feed, counters))
            elif console is not None and loop.time() >= next_status:
                next_status = loop.time() + status_every
                _print_status(console, feed, tickers, counters)

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


def _print_status(
    console: Console, feed: BookFeed, tickers: Sequence[str], counters: dict[str, int]
) -> None:
    """One plain summary line, then one line per market (no colours, no cursor moves)."""
    live = sum(1 for t in tickers if t in feed.books)
    lines = [
        f"watch: {live}/{len(tickers)} books live  deltas {feed.stats.deltas}"
        f"  gaps {counters['gaps']}  resyncs {counters['resyncs']}"
        f"  reconnects {counters['reconnects']}"
    ]
    for ticker in tickers:
        book = feed.books.get(ticker)
        if book is None:
            lines.append(f"  {ticker}  syncing")
            continue
        lines.append(
            f"  {ticker}  bid {_text(book.best_yes_bid)} x {_text(book.yes_bid_size)}"
            f"  ask {_text(book.best_yes_ask)} x {_text(book.yes_ask_size)}"
        )
    console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)


def _text(value: object) -> str:
    return "-" if value is None else str(value)
