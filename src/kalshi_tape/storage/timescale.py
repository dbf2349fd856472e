"""TimescaleDB extras: time tables become compressed hypertables when the extension exists.

Run after the migrations on every `migrate()`; each step is idempotent. Without the
extension (plain PostgreSQL) nothing happens and the tables stay ordinary tables.

* Tables with a `TimeAxis(hypertable=True)` become hypertables on that column (7-day chunks; integer
  Unix-ns columns get an equivalent integer interval and an `integer_now` function).
* Compression segments by the axis' `segment_by` column and orders by time and key; chunks older
  than 30 days are compressed by a policy. Upserts into compressed chunks need
  TimescaleDB >= 2.11.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from kalshi_tape.storage import schema

CHUNK_DAYS = 7
COMPRESS_AFTER_DAYS = 30
_NS_PER_DAY = 86_400 * 1_000_000_000
_MS_PER_DAY = 86_400 * 1_000
_NOW_FUNCTIONS = {
    "ns": ("ktape_unix_now_ns", "(extract(epoch FROM now()) * 1e9)::bigint"),
    "ms": ("ktape_unix_now_ms", "(extract(epoch FROM now()) * 1e3)::bigint"),
}


def available(con: psycopg.Connection[Any]) -> bool:
    """Install the extension if the server has it; False when it does not."""
    row = con.execute(
        "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'"
    ).fetchone()
    if not row or not row[0]:
        return False
    try:
        with con.transaction():  # a savepoint: a failure leaves the outer transaction usable
            con.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    except psycopg.Error:
        return False
    return True


def state(con: psycopg.Connection[Any]) -> tuple[bool, tuple[str, ...]]:
    """(extension installed, hypertable names)."""
    row = con.execute("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'").fetchone()
    if not row or not row[0]:
        return False, ()
    rows = con.execute(
        "SELECT hypertable_name FROM timescaledb_information.hypertables ORDER BY 1"
    ).fetchall()
    return True, tuple(str(r[0]) for r in rows)


def ensure_hypertables(con: psycopg.Connection[Any]) -> list[str]:
    """Convert every time table not yet converted; returns the names converted now."""
    if not available(con):
        return []
    _, existing = state(con)
    converted = []
    for table in schema.TABLES:
        if table.time is not None and table.time.hypertable and table.name not in existing:
            _convert(con, table, table.time)
            converted.append(table.name)
    return converted


def _order_by(table: schema.Table, axis: schema.TimeAxis) -> str:
    """Time first, then the rest of the natural key (compression needs the unique columns)."""
    rest = [k for k in table.primary_key if k not in (axis.column, axis.segment_by)]
    return ", ".join([f"{axis.column} DESC", *rest])


def _intervals(axis: schema.TimeAxis) -> tuple[sql.Composable, sql.Composable]:
    """The chunk interval and the compress-after age, in the time axis's own unit."""
    if axis.unit == "timestamp":
        interval = sql.SQL("INTERVAL {}").format(sql.Literal(f"{CHUNK_DAYS} days"))
        after = sql.SQL("INTERVAL {}").format(sql.Literal(f"{COMPRESS_AFTER_DAYS} days"))
        return interval, after
    per_day = _NS_PER_DAY if axis.unit == "ns" else _MS_PER_DAY
    return sql.Literal(CHUNK_DAYS * per_day), sql.Literal(COMPRESS_AFTER_DAYS * per_day)


def _convert(con: psycopg.Connection[Any], table: schema.Table, axis: schema.TimeAxis) -> None:
    name = sql.Literal(table.name)
    column = sql.Literal(axis.column)
    interval, after = _intervals(axis)
    con.execute(
        sql.SQL(
            "SELECT create_hypertable({}, {}, chunk_time_interval => {}, "
            "if_not_exists => TRUE, migrate_data => TRUE)"
        ).format(name, column, interval)
    )
    if axis.unit != "timestamp":
        function, body = _NOW_FUNCTIONS[axis.unit]
        con.execute(
            sql.SQL(
                "CREATE OR REPLACE FUNCTION {}() RETURNS BIGINT LANGUAGE SQL STABLE AS {}"
            ).format(sql.Identifier(function), sql.Literal(f"SELECT {body}"))
        )
        con.execute(
            sql.SQL("SELECT set_integer_now_func({}, {})").format(name, sql.Literal(function))
        )
    con.execute(
        sql.SQL(
            "ALTER TABLE {} SET (timescaledb.compress, timescaledb.compress_segmentby = {}, "
            "timescaledb.compress_orderby = {})"
        ).format(
            sql.Identifier(table.name),
            sql.Literal(axis.segment_by),
            sql.Literal(_order_by(table, axis)),
        )
    )
    con.execute(
        sql.SQL("SELECT add_compression_policy({}, {}, if_not_exists => TRUE)").format(name, after)
    )
