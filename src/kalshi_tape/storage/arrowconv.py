"""Domain objects and records -> Arrow tables shaped exactly like the warehouse tables.

Each converter gathers one Python list per column and lets Arrow build typed arrays:
Decimal prices and counts go straight into `decimal128` (Arrow refuses anything that
would lose digits), so no value passes through float.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from kalshi_tape.domain import Event, Market, OrderbookDelta, OrderbookSnapshot, Series, Trade
from kalshi_tape.storage import schema
from kalshi_tape.storage.records import (
    BackfillProgress,
    CandleRecord,
    DailyClimateRow,
    MarketSnapshotRow,
    SequenceGapRow,
    WeatherForecastRow,
    WeatherObservationRow,
)

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


def series_table(items: Iterable[Series]) -> pa.Table:
    names = schema.SERIES.column_names[:-1]
    rows = (
        (
            s.ticker,
            s.title,
            s.category,
            s.frequency,
            s.fee_type,
            s.fee_multiplier,
            s.contract_url,
            s.last_updated_ts,
            _raw(s.raw),
        )
        for s in items
    )
    return build(schema.SERIES, _rows_to_columns(names, rows))


def events_table(items: Iterable[Event]) -> pa.Table:
    names = schema.EVENTS.column_names[:-1]
    rows = (
        (
            e.event_ticker,
            e.series_ticker,
            e.title,
            e.sub_title,
            e.collateral_return_type,
            e.mutually_exclusive,
            e.strike_date,
            e.strike_period,
            _raw(e.raw),
        )
        for e in items
    )
    return build(schema.EVENTS, _rows_to_columns(names, rows))


def markets_table(items: Iterable[Market]) -> pa.Table:
    names = schema.MARKETS.column_names[:-1]
    rows = (
        (
            m.ticker,
            m.event_ticker,
            m.market_type,
            m.status,
            m.title,
            m.subtitle,
            m.yes_sub_title,
            m.no_sub_title,
            m.strike_type,
            m.floor_strike,
            m.cap_strike,
            m.open_time,
            m.close_time,
            m.expected_expiration_time,
            m.latest_expiration_time,
            m.updated_time,
            m.yes_bid,
            m.yes_ask,
            m.no_bid,
            m.no_ask,
            m.last_price,
            m.volume,
            m.volume_24h,
            m.open_interest,
            m.result or None,
            m.settlement_value,
            m.settlement_ts,
            _raw(m.raw),
        )
        for m in items
    )
    return build(schema.MARKETS, _rows_to_columns(names, rows))


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
    names = schema.TRADES.column_names[:-1]
    rows = (
        (
            t.trade_id,
            t.created_time,
            t.ticker,
            t.yes_price,
            t.no_price,
            t.count,
            t.taker_side,
            t.is_block_trade,
        )
        for t in items
    )
    return build(schema.TRADES, _rows_to_columns(names, rows))


def market_snapshots_table(items: Iterable[MarketSnapshotRow]) -> pa.Table:
    return _struct_table(schema.MARKET_SNAPSHOTS, items)


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


_DELTA_FIELDS = (
    "received_ns",
    "sid",
    "seq",
    "market_ticker",
    "exchange_ts_ms",
    "side",
    "price",
    "delta",
    "client_order_id",
    "book_state",
)


def orderbook_deltas_table(items: Iterable[OrderbookDelta]) -> pa.Table:
    """The collector's biggest table: built column by column (half the cost of rows)."""
    names = schema.ORDERBOOK_DELTAS.column_names[:-1]
    return build(schema.ORDERBOOK_DELTAS, _attr_columns(names, _DELTA_FIELDS, items))


def _attr_columns(names: Sequence[str], fields: Sequence[str], items: Iterable[Any]) -> Columns:
    """One list per column of attribute `fields[i]` of every item."""
    items = items if isinstance(items, list) else list(items)
    return {name: [getattr(x, f) for x in items] for name, f in zip(names, fields, strict=True)}


def sequence_gaps_table(items: Iterable[SequenceGapRow]) -> pa.Table:
    return _struct_table(schema.SEQUENCE_GAPS, items)


def weather_observations_table(items: Iterable[WeatherObservationRow]) -> pa.Table:
    return _struct_table(schema.WEATHER_OBSERVATIONS, items)


def daily_climate_table(items: Iterable[DailyClimateRow]) -> pa.Table:
    return _struct_table(schema.DAILY_CLIMATE, items)


def weather_forecasts_table(items: Iterable[WeatherForecastRow]) -> pa.Table:
    return _struct_table(schema.WEATHER_FORECASTS, items)


def backfill_progress_table(items: Iterable[BackfillProgress]) -> pa.Table:
    return _struct_table(schema.BACKFILL_PROGRESS, items)


def _struct_table(table: schema.Table, items: Iterable[Any]) -> pa.Table:
    """Records whose field names equal the column names."""
    names = table.column_names[:-1]
    return build(table, _attr_columns(names, names, items))


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


CONVERTERS: dict[str, Callable[[Iterable[Any]], pa.Table]] = {
    "series": series_table,
    "events": events_table,
    "markets": markets_table,
    "candles": candles_table,
    "trades": trades_table,
    "market_snapshots": market_snapshots_table,
    "orderbook_snapshots": orderbook_snapshots_table,
    "orderbook_deltas": orderbook_deltas_table,
    "sequence_gaps": sequence_gaps_table,
    "weather_observations": weather_observations_table,
    "daily_climate": daily_climate_table,
    "backfill_progress": backfill_progress_table,
    "weather_forecasts": weather_forecasts_table,
}
