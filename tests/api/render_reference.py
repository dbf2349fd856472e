"""The candle renderer as it was before issue 20 (polars from text columns), frozen: the
byte-for-byte reference the fast renderer (`kalshi_tape.api.render`) is compared with."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import msgspec
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc


def _decimal_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    scale = column.type.scale
    if scale > 4:
        with contextlib.suppress(pa.ArrowInvalid):
            column = column.cast(pa.decimal128(column.type.precision - (scale - 4), 4))
    return column.cast(pa.string())


def _timestamp_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    with contextlib.suppress(pa.ArrowInvalid):
        column = column.cast(pa.timestamp("s", tz="UTC"))
    naive = column.cast(pa.timestamp(column.type.unit)).cast(pa.string())
    return pc.binary_join_element_wise(pc.replace_substring(naive, " ", "T"), "Z", "")


def as_text_columns(table: pa.Table) -> pa.Table:
    columns = []
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_decimal(column.type):
            column = _decimal_text(column)
        elif pa.types.is_timestamp(column.type):
            column = _timestamp_text(column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def render_rows(
    table: pa.Table,
    fmt: str,
    envelope: Mapping[str, Any],
    rows_key: str = "rows",
    json_omit: tuple[str, ...] = (),
) -> bytes:
    """JSON or CSV exactly as before issue 20."""
    table = table.drop_columns([c for c in ("ingested_at",) if c in table.column_names])
    if fmt == "json":
        table = table.drop_columns([c for c in json_omit if c in table.column_names])
    text = as_text_columns(table)
    if fmt == "csv":
        return pl.from_arrow(text).write_csv(quote_style="necessary").encode()  # type: ignore[union-attr]
    head = msgspec.json.encode({**envelope, rows_key: None})
    rows = b"[]" if text.num_rows == 0 else pl.from_arrow(text).write_json().encode()  # type: ignore[union-attr]
    return head[: -len(b"null}")] + rows + b"}"
