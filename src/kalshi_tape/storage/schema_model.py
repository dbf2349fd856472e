"""The schema's building blocks: logical column kinds with their DuckDB, PostgreSQL and Arrow
types, `Column` / `TimeAxis` / `Table` (DDL per dialect), and the helpers the tables in
`schema.py` are written with (`_c`, `_key`, `_ingested`, `_ohlc`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

Kind = Literal[
    "text",
    "bool",
    "int",
    "bigint",
    "price",
    "count",
    "decimal",
    "temp",
    "timestamp",
    "date",
    "json",
]

_DUCKDB_TYPES: dict[Kind, str] = {
    "text": "VARCHAR",
    "bool": "BOOLEAN",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "price": "DECIMAL(10,6)",
    "count": "DECIMAL(18,2)",
    "decimal": "DECIMAL(18,6)",
    "temp": "DECIMAL(7,2)",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
    "json": "VARCHAR",
}

# Text sorts bytewise on both engines (DuckDB's default); "C" also keeps PostgreSQL's
# key comparisons fast whatever the database locale.
_POSTGRES_TYPES: dict[Kind, str] = {
    "text": 'TEXT COLLATE "C"',
    "bool": "BOOLEAN",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "price": "NUMERIC(10,6)",
    "count": "NUMERIC(18,2)",
    "decimal": "NUMERIC(18,6)",
    "temp": "NUMERIC(7,2)",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
    "json": 'TEXT COLLATE "C"',
}

_ARROW_TYPES: dict[Kind, pa.DataType] = {
    "text": pa.string(),
    "bool": pa.bool_(),
    "int": pa.int32(),
    "bigint": pa.int64(),
    "price": pa.decimal128(10, 6),
    "count": pa.decimal128(18, 2),
    "decimal": pa.decimal128(18, 6),
    "temp": pa.decimal128(7, 2),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "json": pa.string(),
}

Dialect = Literal["duckdb", "postgresql"]
INGESTED_AT = "ingested_at"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    unit: str
    description: str
    nullable: bool = True

    def sql_type(self, dialect: Dialect) -> str:
        return (_DUCKDB_TYPES if dialect == "duckdb" else _POSTGRES_TYPES)[self.kind]

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW_TYPES[self.kind]


@dataclass(frozen=True, slots=True)
class TimeAxis:
    """How a table is partitioned in time: hypertable chunks and Parquet `date=` folders.

    `unit` is "timestamp" for TIMESTAMPTZ columns, "ns"/"ms" for integer Unix clocks.
    """

    column: str
    unit: Literal["timestamp", "ns", "ms"] = "timestamp"
    segment_by: str = "market_ticker"
    hypertable: bool = True  # False when the natural key lacks the time column


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    time: TimeAxis | None = None
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def value_columns(self) -> tuple[str, ...]:
        """Columns an upsert compares and overwrites: not the key, not `ingested_at`."""
        return tuple(
            c.name for c in self.columns if c.name not in self.primary_key and c.name != INGESTED_AT
        )

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name}.{name}")

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in self.columns]
        )

    def create_sql(self, dialect: Dialect) -> str:
        lines = [
            f"    {c.name} {c.sql_type(dialect)}{'' if c.nullable else ' NOT NULL'}"
            for c in self.columns
        ]
        lines.append(f"    PRIMARY KEY ({', '.join(self.primary_key)})")
        body = ",\n".join(lines)
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n{body}\n)"

    def index_sql(self) -> list[str]:
        """Secondary indexes (PostgreSQL only: DuckDB's min-max zone maps serve range scans)."""
        return [
            f"CREATE INDEX IF NOT EXISTS {self.name}_{'_'.join(cols)}_idx "
            f"ON {self.name} ({', '.join(cols)})"
            for cols in self.indexes
        ]


def _c(name: str, kind: Kind, unit: str, description: str, nullable: bool = True) -> Column:
    return Column(name, kind, unit, description, nullable)


def _key(name: str, kind: Kind, unit: str, description: str) -> Column:
    return Column(name, kind, unit, description, nullable=False)


def _ingested() -> Column:
    return _key(INGESTED_AT, "timestamp", "UTC", "When this row's content was last written")


def _ohlc(prefix: str, what: str) -> tuple[Column, ...]:
    return tuple(
        _c(f"{prefix}_{part}", "price", "$", f"{what}: {label}")
        for part, label in (("open", "open"), ("high", "high"), ("low", "low"), ("close", "close"))
    )
