"""Domain objects and records -> Arrow tables shaped exactly like the warehouse tables.

Each converter gathers one Python list per column and lets Arrow build typed arrays:
Decimal prices and counts go straight into `decimal128` (Arrow refuses anything that
would lose digits), so no value passes through float.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from kalshi_tape.core.domain import Event, Market, OrderbookSnapshot, Series, Trade
from kalshi_tape.storage import schema
from kalshi_tape.storage.records import CandleRecord

Columns = dict[str, Any]


def build(table: schema.Table, columns: Columns) -> pa.Table:
    """An Arrow table of `table`'s columns (without `ingested_at`) from Python lists."""
    fields = [c for c in table.columns if c.name != schema.INGESTED_AT]
    arrays = [_array(columns[c.name], c.arrow_type) for c in fields]
    return pa.table(arrays, schema=pa.schema([pa.field(c.name, c.arrow_type) for c in fields]))


def _array(values: list[Any] | pa.Array, type_: pa.DataType) -> pa.Array:
    if isinstance(values, pa.Array):
        return values.cast(type_)
    return pa.array(values, type=type_)


def _raw(raw: bytes) -> str | None:
    return raw.decode("utf-8") if raw else None


def _rows_to_columns(names: Sequence[str], rows: Iterable[Sequence[Any]]) -> Columns:
    transposed = list(zip(*rows, strict=True))
    if not transposed:
        return {name: [] for name in names}
    return {name: list(values) for name, values in zip(names, transposed, strict=True)}


def _object_table(
    table: schema.Table,
    items: Iterable[Any],
    attrs: Mapping[str, str] = MappingProxyType({}),
    fixes: Mapping[str, Callable[[Any], Any]] = MappingProxyType({}),
) -> pa.Table:
    """Objects with an attribute per column: named like the column unless `attrs` says
    otherwise, its value passed through `fixes[column]` where there is one."""
    names = table.column_names[:-1]
    items = items if isinstance(items, list) else list(items)
    # column by column: half the cost of building rows and transposing them
    columns: Columns = {n: [getattr(x, attrs.get(n, n)) for x in items] for n in names}
    for name, fix in fixes.items():
        columns[name] = [fix(value) for value in columns[name]]
    return build(table, columns)


_RAW = {"raw_json": "raw"}
_RAW_FIX = {"raw_json": _raw}


def series_table(items: Iterable[Series]) -> pa.Table:
    return _object_table(schema.SERIES, items, _RAW, _RAW_FIX)


def events_table(items: Iterable[Event]) -> pa.Table:
    return _object_table(schema.EVENTS, items, _RAW, _RAW_FIX)


def markets_table(items: Iterable[Market]) -> pa.Table:
    """`result` is NULL while unsettled (the domain's empty string)."""
    return _object_table(schema.MARKETS, items, _RAW, {**_RAW_FIX, "result": _or_none})


def _or_none(value: str) -> str | None:
    return value or None


_NO_QUOTE = (None, None, None, None)


def _candle_row(rec: CandleRecord) -> tuple[Any, ...]:
    c = rec.candle
    bid = c.yes_bid
    ask = c.yes_ask
    p = c.price
    return (
        rec.market_ticker,
        rec.period_minutes,
        rec.source,
        c.end_period_ts * 1_000_000,
        *((bid.open, bid.high, bid.low, bid.close) if bid else _NO_QUOTE),
        *((ask.open, ask.high, ask.low, ask.close) if ask else _NO_QUOTE),
        p.open,
        p.high,
        p.low,
        p.close,
        p.mean,
        p.previous,
        p.min,
        p.max,
        c.volume,
        c.open_interest,
    )


def candles_table(items: Iterable[CandleRecord]) -> pa.Table:
    """Candle records; `end_period_ts` (Unix seconds) becomes a UTC timestamp."""
    names = schema.CANDLES.column_names[:-1]
    columns = _rows_to_columns(names, map(_candle_row, items))
    columns["end_period_ts"] = pa.array(columns["end_period_ts"], type=pa.int64())
    return build(schema.CANDLES, columns)


def trades_table(items: Iterable[Trade]) -> pa.Table:
    return _object_table(schema.TRADES, items, {"market_ticker": "ticker"})


def orderbook_snapshots_table(items: Iterable[OrderbookSnapshot]) -> pa.Table:
    """One row per level of each snapshot (both sides' bids)."""
    names = schema.ORDERBOOK_SNAPSHOTS.column_names[:-1]
    rows = (
        (snap.market_ticker, snap.received_ns, side, price, qty, snap.sid, snap.seq)
        for snap in items
        for side, levels in (("yes", snap.yes), ("no", snap.no))
        for price, qty in levels
    )
    return build(schema.ORDERBOOK_SNAPSHOTS, _rows_to_columns(names, rows))


def with_ingested_at(data: pa.Table, now: datetime) -> pa.Table:
    """`data` with an `ingested_at` column (kept when present, e.g. on import)."""
    if schema.INGESTED_AT in data.column_names:
        return data
    stamp = pa.scalar(now, type=pa.timestamp("us", tz="UTC"))
    return data.append_column(schema.INGESTED_AT, pa.repeat(stamp, data.num_rows))


def conform(table: schema.Table, data: pa.Table) -> pa.Table:
    """`data` with exactly `table`'s columns, order and types; refuses lossy casts."""
    missing = [c for c in table.column_names if c not in data.column_names]
    if missing:
        raise ValueError(f"{table.name}: missing columns {missing}")
    arrays = []
    for col in table.columns:
        array = data.column(col.name)
        if pa.types.is_decimal(col.arrow_type) and pa.types.is_floating(array.type):
            raise ValueError(
                f"{table.name}.{col.name}: {array.type} would be rounded into "
                f"{col.arrow_type}; give exact decimals, integers or strings"
            )
        if array.type != col.arrow_type:
            array = pc.cast(array, col.arrow_type, safe=True)
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=table.arrow_schema.remove_metadata())


def dedupe_last(table: schema.Table, data: pa.Table) -> pa.Table:
    """Keep the last row of each natural key (a merge may not touch a row twice)."""
    keys = list(table.primary_key)
    if data.num_rows < 2 or data.group_by(keys).aggregate([]).num_rows == data.num_rows:
        return data
    ordinal = "__ktape_ordinal"
    numbered = data.append_column(ordinal, pa.array(range(data.num_rows), type=pa.int64()))
    last = numbered.group_by(keys, use_threads=False).aggregate([(ordinal, "max")])
    survivors = last.column(f"{ordinal}_max")
    return data.take(pc.take(survivors, pc.sort_indices(survivors)))


# Records whose fields are the columns, by name and in order.
_FIELD_TABLES = (
    schema.MARKET_SNAPSHOTS,
    schema.ORDERBOOK_DELTAS,
    schema.SEQUENCE_GAPS,
    schema.WEATHER_OBSERVATIONS,
    schema.DAILY_CLIMATE,
    schema.BACKFILL_PROGRESS,
    schema.WEATHER_FORECASTS,
)

CONVERTERS: dict[str, Callable[[Iterable[Any]], pa.Table]] = {
    "series": series_table,
    "events": events_table,
    "markets": markets_table,
    "candles": candles_table,
    "trades": trades_table,
    "orderbook_snapshots": orderbook_snapshots_table,
    **{t.name: functools.partial(_object_table, t) for t in _FIELD_TABLES},
}
