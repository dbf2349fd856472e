"""`backfill(settings, selection, options)`: one backfill run with Rich progress bars, the
library entry point behind `ktape backfill` and `ktape demo`."""

from __future__ import annotations

import asyncio
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kalshi_tape.backfill.runner import BackfillOptions, BackfillReport, run_backfill
from kalshi_tape.client import KalshiClient
from kalshi_tape.client.discover import Selection
from kalshi_tape.core.errors import BackfillError, TransportError
from kalshi_tape.settings.shared import Settings
from kalshi_tape.storage import Store, open_store


def backfill(
    settings: Settings,
    selection: Selection,
    options: BackfillOptions,
    console: Console | None = None,
) -> BackfillReport:
    """Run one backfill with Rich progress bars; the library entry point behind the CLI."""
    console = console or Console(stderr=True)
    with open_store(settings.db_url) as store:
        before = _stored(store)
        try:
            report = asyncio.run(_backfill(settings, store, selection, options, console))
        except TransportError as exc:
            raise BackfillError(
                f"cannot reach the exchange at {settings.base_url}: {exc}"
            ) from None
        if not options.dry_run:
            after = _stored(store)
            report.new_candle_rows = after[0] - before[0]
            report.new_trade_rows = after[1] - before[1]
        return report


def _stored(store: Store) -> tuple[int, int]:
    """Candle and trade rows in the warehouse (a re-upserted row does not change them)."""
    return store.count("candles"), store.count("trades")


async def _backfill(
    settings: Settings, store: Any, selection: Selection, options: BackfillOptions, console: Console
) -> BackfillReport:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(
        *columns,
        console=console,
        transient=True,
        disable=options.dry_run or not console.is_terminal,
    ) as progress:
        bars: dict[str, Any] = {}

        def advance(phase: str, done: int) -> None:
            if phase not in bars:
                bars[phase] = progress.add_task(phase, total=None)
            progress.advance(bars[phase], done)

        async with KalshiClient(settings) as client:
            return await run_backfill(client, store, selection, options, on_progress=advance)
