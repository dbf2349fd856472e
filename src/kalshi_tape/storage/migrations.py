"""Named migrations, recorded in `ktape_migrations` (version, name, applied_at).

Each migration is a function of the dialect returning the SQL statements to run, so
both engines follow the same history. Append new migrations; never edit applied ones.
When a migration changes a table, change `schema.py` to match in the same commit (a
test compares a migrated database with `schema.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kalshi_tape.storage import schema
from kalshi_tape.storage.schema import Dialect

VERSION_TABLE = "ktape_migrations"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: Callable[[Dialect], list[str]]


def version_table_sql(dialect: Dialect) -> str:
    stamp = "TIMESTAMPTZ"
    text = "VARCHAR" if dialect == "duckdb" else "TEXT"
    return (
        f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} ("
        f"version INTEGER PRIMARY KEY, name {text} NOT NULL, applied_at {stamp} NOT NULL)"
    )


def _create_tables(dialect: Dialect) -> list[str]:
    statements = [t.create_sql(dialect) for t in schema.TABLES]
    if dialect == "postgresql":
        statements += [sql for t in schema.TABLES for sql in t.index_sql()]
    return statements


_WEATHER_OBSERVATION_GROUPS = ("max_6h_f", "min_6h_f", "max_24h_f", "min_24h_f")


def _weather_forecasts(dialect: Dialect) -> list[str]:
    """weather_forecasts, and the METAR max/min group columns on older databases."""
    obs = schema.WEATHER_OBSERVATIONS
    statements = [schema.WEATHER_FORECASTS.create_sql(dialect)]
    statements += [
        f"ALTER TABLE {obs.name} ADD COLUMN IF NOT EXISTS {name} "
        f"{obs.column(name).sql_type(dialect)}"
        for name in _WEATHER_OBSERVATION_GROUPS
    ]
    if dialect == "postgresql":
        statements += schema.WEATHER_FORECASTS.index_sql()
    return statements


def _paper_tables(dialect: Dialect) -> list[str]:
    """paper_sessions, paper_orders, paper_fills (`ktape paper`)."""
    return [t.create_sql(dialect) for t in schema.PAPER_TABLES]


def _tape_book_state(dialect: Dialect) -> list[str]:
    """orderbook_deltas.book_state: deltas received while a book awaited its snapshot are
    kept on the tape too, marked as such (issue 22)."""
    table = schema.ORDERBOOK_DELTAS
    column = table.column("book_state")
    return [
        f"ALTER TABLE {table.name} ADD COLUMN IF NOT EXISTS book_state {column.sql_type(dialect)}"
    ]


def _gap_cause_duration(dialect: Dialect) -> list[str]:
    """sequence_gaps.cause and duration_ns: every resync transition with its cause and
    how long the book was out of sync (issue 22)."""
    table = schema.SEQUENCE_GAPS
    return [
        f"ALTER TABLE {table.name} ADD COLUMN IF NOT EXISTS {name} "
        f"{table.column(name).sql_type(dialect)}"
        for name in ("cause", "duration_ns")
    ]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "create_tables", _create_tables),
    Migration(3, "weather_forecasts", _weather_forecasts),
    Migration(4, "api_keys", lambda dialect: [schema.API_KEYS.create_sql(dialect)]),
    Migration(6, "paper_trading", _paper_tables),
    Migration(22, "tape_book_state", _tape_book_state),
    Migration(23, "gap_cause_duration", _gap_cause_duration),
)

LATEST_VERSION = MIGRATIONS[-1].version


def pending(applied: set[int]) -> list[Migration]:
    return [m for m in MIGRATIONS if m.version not in applied]
