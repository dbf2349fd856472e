"""Arrow tables to response bodies: JSON, CSV and Parquet; and a cache of rendered bodies.

JSON and CSV carry prices and counts as exact decimal strings: 4 decimal places when the
column holds no finer value, else 6 (counts keep 2). Timestamps are ISO 8601 UTC with a
`Z`. Parquet keeps the warehouse's own types (decimal128, UTC timestamps).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from typing import Any, Literal

import msgspec
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kalshi_tape.api import columnar, negotiation
from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock

Format = Literal["json", "csv", "parquet"]
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}
_DROP = ("ingested_at",)
GZIP_MIN_BYTES = 2048


def as_text_columns(table: pa.Table) -> pa.Table:
    """Every decimal and timestamp column as strings, exact; other columns unchanged."""
    columns = []
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_decimal(column.type):
            column = _decimal_text(column)
        elif pa.types.is_timestamp(column.type):
            column = _timestamp_text(column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _decimal_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    scale = column.type.scale
    if scale > 4:
        with contextlib.suppress(pa.ArrowInvalid):  # a sub-penny value: keep all 6 places
            column = column.cast(pa.decimal128(column.type.precision - (scale - 4), 4))
    return column.cast(pa.string())


def _timestamp_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """ISO 8601 UTC (`2026-11-20T00:01:00Z`); whole seconds unless a value has a fraction.
    Cast as naive UTC to text and patched: much faster than a zoned strftime."""
    with contextlib.suppress(pa.ArrowInvalid):
        column = column.cast(pa.timestamp("s", tz="UTC"))
    naive = column.cast(pa.timestamp(column.type.unit)).cast(pa.string())
    return pc.binary_join_element_wise(pc.replace_substring(naive, " ", "T"), "Z", "")


def public(table: pa.Table) -> pa.Table:
    return table.drop_columns([c for c in _DROP if c in table.column_names])


def render_rows(
    table: pa.Table,
    fmt: Format,
    envelope: Mapping[str, Any],
    rows_key: str = "rows",
    json_omit: tuple[str, ...] = (),
) -> bytes:
    """The body of a table response: JSON `{...envelope, rows_key: [...]}` (rows without
    the `json_omit` columns, which the envelope states once), CSV (a header row, every
    column) or Parquet (every column, warehouse types)."""
    table = public(table)
    if fmt == "parquet":
        sink = io.BytesIO()
        pq.write_table(table, sink, compression="zstd")
        return sink.getvalue()
    if fmt == "csv":
        return columnar.csv_text(table) or _polars_csv(as_text_columns(table))
    table = table.drop_columns([c for c in json_omit if c in table.column_names])
    head = msgspec.json.encode({**envelope, rows_key: None})
    rows = columnar.json_rows(table) or [_polars_json(as_text_columns(table))]
    return b"".join((head[: -len(b"null}")], *rows, b"}"))


def _polars_csv(text: pa.Table) -> bytes:
    return pl.from_arrow(text).write_csv(quote_style="necessary").encode()  # type: ignore[union-attr]


def _polars_json(text: pa.Table) -> bytes:
    """A JSON array of row objects, written by polars (Rust) from the Arrow columns: the
    general path, for tables `columnar` does not handle."""
    if text.num_rows == 0:
        return b"[]"
    return pl.from_arrow(text).write_json().encode()  # type: ignore[union-attr]


def accepts_gzip(scope: Mapping[str, Any]) -> bool:
    """RFC 9110 12.5.3: gzip is acceptable when `gzip` (or else `*`) has a q-value > 0."""
    return negotiation.encodings(scope)[0]


def cache_key(scope: Mapping[str, Any]) -> tuple[str, bytes, tuple[bool, bool], str | None]:
    """Responses are cached by exact path, query string, acceptable codings and Accept, so
    the access middleware can answer a repeated request before routing and validation."""
    accept = negotiation.header(scope, b"accept")
    return scope["path"], scope["query_string"], negotiation.encodings(scope), accept


def maybe_gzip(
    body: bytes, fmt: str, gzip_ok: bool, identity_ok: bool = True
) -> tuple[bytes, dict[str, str]]:
    """Text bodies gzip-compressed for clients that accept it (Parquet is compressed);
    any body when the client refuses `identity`."""
    if identity_ok and fmt == "parquet":
        return body, {}
    if not gzip_ok or (identity_ok and len(body) < GZIP_MIN_BYTES):
        return body, {"vary": "Accept-Encoding"}
    # level 3: 1.7 ms and 21 kB for a day of JSON candles (level 5: 4.2 ms, 20 kB)
    return gzip.compress(body, compresslevel=3, mtime=0), {
        "content-encoding": "gzip",
        "vary": "Accept-Encoding",
    }


class ResponseCache:
    """Rendered bodies by key, each kept `ttl_s` seconds, at most `max_bytes` in all."""

    def __init__(self, ttl_s: float, max_bytes: int, clock: Clock = SYSTEM_CLOCK) -> None:
        self._ttl = ttl_s
        self._clock = clock
        self._max = max_bytes
        self._items: OrderedDict[Hashable, tuple[float, bytes, dict[str, str]]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._ttl > 0

    def get(self, key: Hashable) -> tuple[bytes, dict[str, str]] | None:
        if not self.enabled:
            return None
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if self._clock.monotonic() >= item[0]:
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return item[1], item[2]

    def put(self, key: Hashable, body: bytes, headers: dict[str, str]) -> None:
        if not self.enabled or len(body) > self._max // 4:
            return
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = (self._clock.monotonic() + self._ttl, body, headers)
            self._bytes += len(body)
            while self._bytes > self._max:
                self._drop(next(iter(self._items)))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def _drop(self, key: Hashable) -> None:
        _, body, _ = self._items.pop(key)
        self._bytes -= len(body)
