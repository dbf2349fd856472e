"""Listings from the warehouse: series, events, markets, trades, weather; cursor pages.

A page is ordered by the table's natural key; the cursor is the last key served,
encoded opaquely, so pages stay stable while rows are added. Values come out as JSON
scalars: prices and counts as exact decimal strings, times as ISO 8601 UTC.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec

from kalshi_tape.api.errors import bad_parameter
from kalshi_tape.storage import Store
from kalshi_tape.storage import schema as s

HIDDEN = {"raw_json", s.INGESTED_AT}
_FOUR = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class Query:
    table: s.Table
    filters: dict[str, Any] = field(default_factory=dict)  # column -> value (None: any)
    conditions: Sequence[tuple[str, Any]] = ()  # ("created_time >= {p}", value); None: skip
    key: tuple[str, ...] = ()  # page order; default the primary key
    limit: int = 100
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class PageOut:
    rows: list[dict[str, Any]]
    cursor: str | None


def columns_of(table: s.Table) -> list[s.Column]:
    return [c for c in table.columns if c.name not in HIDDEN]


def page(store: Store, query: Query) -> PageOut:
    cols = columns_of(query.table)
    key = query.key or query.table.primary_key
    p = store.placeholder
    clauses, params = [], []
    for column, value in query.filters.items():
        if value is not None:
            clauses.append(f"{column} = {p}")
            params.append(value)
    for template, value in query.conditions:
        if value is not None:
            clauses.append(template.format(p=p))
            params.append(value)
    if query.cursor:
        after = decode_cursor(query.cursor, len(key))
        clauses.append(f"({', '.join(key)}) > ({', '.join([p] * len(key))})")
        params.extend(_typed(query.table, key, after))
    sql = f"SELECT {', '.join(c.name for c in cols)} FROM {query.table.name}"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += f" ORDER BY {', '.join(key)} LIMIT {int(query.limit) + 1}"
    rows = store.sql(sql, params)
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    out = [{c.name: json_value(c, v) for c, v in zip(cols, row, strict=True)} for row in rows]
    cursor = None
    if more and rows:
        last = dict(zip([c.name for c in cols], rows[-1], strict=True))
        cursor = encode_cursor([_plain(last[k]) for k in key])
    return PageOut(out, cursor)


def one(store: Store, table: s.Table, column: str, value: str) -> dict[str, Any] | None:
    result = page(store, Query(table, {column: value}, limit=1))
    return result.rows[0] if result.rows else None


def json_value(column: s.Column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return decimal_text(value, column.kind)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def decimal_text(value: Decimal, kind: str) -> str:
    if kind == "price":
        four = value.quantize(_FOUR)
        return str(four) if four == value else str(value.quantize(Decimal("0.000001")))
    if kind == "count":
        return str(value.quantize(Decimal("0.01")))
    text = format(value.normalize(), "f")
    return text


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(values)).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = msgspec.json.decode(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise bad_parameter("cursor: not a cursor this API returned") from None
    if not isinstance(values, list) or len(values) != arity:
        raise bad_parameter("cursor: not a cursor this API returned")
    return values


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# A forged cursor's text values meet the same rule as the filters they page (no NUL,
# no control characters, bounded length) before they reach a store.
_CURSOR_TEXT = re.compile(r"[^\x00-\x1f\x7f]{0,200}")


def _typed(table: s.Table, key: Sequence[str], values: list[Any]) -> list[Any]:
    """Cursor values back to the key columns' types (a forged cursor gets a 422)."""
    out: list[Any] = []
    for name, value in zip(key, values, strict=True):
        kind = table.column(name).kind
        try:
            if kind == "timestamp":
                out.append(datetime.fromisoformat(str(value)))
            elif kind in ("int", "bigint"):
                out.append(int(value))
            elif kind in ("price", "count", "decimal", "temp"):
                out.append(Decimal(str(value)))
            elif kind == "date":
                out.append(date.fromisoformat(str(value)))
            else:
                if not isinstance(value, str) or not _CURSOR_TEXT.fullmatch(value):
                    raise ValueError(value)
                out.append(value)
        except (ValueError, ArithmeticError):
            raise bad_parameter("cursor: not a cursor this API returned") from None
    return out
