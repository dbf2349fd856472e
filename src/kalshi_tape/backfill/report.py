"""Printing a backfill's plan and summary (Rich)."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from kalshi_tape.backfill.runner import BackfillReport
from kalshi_tape.settings.redact import redact_url


def print_database(console: Console, database: str) -> None:
    """Where the rows go, password redacted; one unwrapped line, easy to copy."""
    console.print(
        f"database: {redact_url(database)}", markup=False, highlight=False, soft_wrap=True
    )


def print_plan(console: Console, report: BackfillReport, *, database: str | None = None) -> None:
    plan, todo = report.plan, report.todo
    table = Table(title="Backfill plan", show_edge=False)
    table.add_column("requests for")
    table.add_column("planned", justify="right")
    table.add_column("still to do", justify="right")
    planned = Counter(f"candles {r.period}m via {r.route}" for r in plan.candles)
    pending = Counter(f"candles {r.period}m via {r.route}" for r in todo.candles)
    planned.update(f"trades ({r.route})" for r in plan.trades)
    pending.update(f"trades ({r.route})" for r in todo.trades)
    for name in sorted(planned):
        table.add_row(name, str(planned[name]), str(pending[name]))
    console.print(table)
    console.print(
        f"{report.events} events, {report.markets} markets; discovery used "
        f"{report.discovery_requests} requests; the fetch needs at least "
        f"{todo.request_lower_bound} requests ({plan.request_lower_bound} for a fresh run)."
    )
    if database is not None:
        print_database(console, database)


def _add_rows(table: Table, kind: str, fetched: int, new: int | None) -> None:
    """`new / already stored`: a rerun re-upserts rows already stored; they are not new."""
    if new is None:
        table.add_row(f"{kind} rows written", f"{fetched:,}")
        return
    table.add_row(f"{kind} rows new / already stored", f"{new:,} / {max(fetched - new, 0):,}")


def print_summary(console: Console, report: BackfillReport, *, database: str | None = None) -> None:
    skipped = report.plan.request_lower_bound - report.todo.request_lower_bound
    table = Table(title="Backfill done", show_edge=False, show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("events / markets", f"{report.events} / {report.markets}")
    _add_rows(table, "candle", report.candle_rows, report.new_candle_rows)
    _add_rows(table, "trade", report.trade_rows, report.new_trade_rows)
    table.add_row(
        "requests (discovery + fetch)", f"{report.discovery_requests} + {report.fetch_requests}"
    )
    table.add_row("planned fetch requests (lower bound)", str(report.todo.request_lower_bound))
    table.add_row("chunks already done (skipped)", str(skipped))
    table.add_row("requests per 1,000 rows", f"{report.requests_per_1000_rows:.2f}")
    table.add_row("elapsed", f"{report.elapsed_s:.1f} s")
    console.print(table)
    if database is not None:
        print_database(console, database)
