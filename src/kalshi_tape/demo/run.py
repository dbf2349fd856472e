"""`ktape demo`: the simulator in-process, a week of several cities backfilled into DuckDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.table import Table

from kalshi_tape.backfill.progress import backfill
from kalshi_tape.backfill.report import print_summary
from kalshi_tape.backfill.runner import BackfillOptions
from kalshi_tape.client.discover import Selection
from kalshi_tape.settings.load import load_settings
from kalshi_tape.settings.redact import redact_url
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import open_store

DEMO_SERIES = ("KXHIGHNY", "KXHIGHCHI", "KXHIGHMIA", "KXHIGHLAX")
# Events need about two days to close and settle; end the week there.
SETTLED_LAG = timedelta(days=2)


def run_demo(*, db_url: str, days: int, seed: int, console: Console) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    end = (now - SETTLED_LAG).date()
    start = end - timedelta(days=days - 1)
    console.print(
        f"[bold]kalshi-tape demo[/]: simulator (seed {seed}) -> {redact_url(db_url)}",
        soft_wrap=True,
    )
    with SimServer(SimConfig(seed=seed, now=now, tier="unlimited", speed=0)) as sim:
        console.print(f"simulator listening at {sim.base_url}")
        settings = load_settings({"base_url": sim.base_url, "db_url": db_url, "tier": "unlimited"})
        selection = Selection(series=DEMO_SERIES, start=start, end=end)
        console.print(
            f"backfilling {', '.join(DEMO_SERIES)} for {start} .. {end}",
            soft_wrap=True,
            highlight=False,
        )
        report = backfill(settings, selection, BackfillOptions(concurrency=16), console)
    print_summary(console, report, database=db_url)
    with open_store(db_url) as store:
        _print_stored(console, dict(store.info().row_counts))
    _print_next_steps(console, db_url)


def _print_stored(console: Console, counts: dict[str, int]) -> None:
    table = Table(title="Stored in the warehouse", show_edge=False)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in counts.items():
        if rows:
            table.add_row(name, f"{rows:,}")
    console.print(table)


def _print_next_steps(console: Console, db_url: str) -> None:
    db_url = redact_url(db_url)
    path = db_url.removeprefix("duckdb:///")
    console.print("\n[bold]Try next[/]")
    # soft_wrap: a narrow terminal wraps the lines itself, Rich inserts no newlines, so
    # each command stays one line to copy; markup off, the commands hold brackets.
    console.print(
        f"  ktape db info --db {db_url}\n"
        "  ktape sim --port 8765            # a local exchange to point any command at\n"
        "  ktape backfill --series KXHIGHDEN --start 2026-11-01 --end 2026-11-07 \\\n"
        "      --base-url http://127.0.0.1:8765/trade-api/v2 --dry-run\n"
        "  ktape watch --series KXHIGHNY --base-url http://127.0.0.1:8765/trade-api/v2\n"
        f"  ktape export --format parquet --out export/ --db {db_url}\n"
        f"  python -c \"import duckdb; print(duckdb.connect('{path}', read_only=True)"
        ".sql('select * from candles limit 5'))\"",
        soft_wrap=True,
        markup=False,
        highlight=False,
    )
