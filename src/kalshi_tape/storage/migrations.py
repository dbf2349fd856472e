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


MIGRATIONS: tuple[Migration, ...] = (Migration(1, "create_tables", _create_tables),)

LATEST_VERSION = MIGRATIONS[-1].version


def pending(applied: set[int]) -> list[Migration]:
    return [m for m in MIGRATIONS if m.version not in applied]
