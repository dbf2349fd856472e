"""Decimals read back exactly on both engines (PostgreSQL sends them as unscaled
integers and the store rebuilds them): extremes, negatives, sub-penny values, nulls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow as pa

from kalshi_tape.storage import Store, arrowconv, schema

DAY = datetime(2026, 11, 20, tzinfo=UTC)
VALUES = [
    Decimal("0"),
    Decimal("1"),
    Decimal("0.000001"),
    Decimal("9999.999999"),
    Decimal("-9999.999999"),
    Decimal("-0.01"),
    None,
    Decimal("0.39"),
]
COUNTS = [
    Decimal("0"),
    Decimal("9999999999999999.99"),
    Decimal("-12.5"),
    Decimal("0.01"),
    Decimal("1"),
    Decimal("2"),
    Decimal("3"),
    Decimal("4"),
]


def test_candle_decimals_round_trip(store: Store) -> None:
    n = len(VALUES)
    columns: dict[str, list[object]] = {c.name: [None] * n for c in schema.CANDLES.columns}
    columns |= {
        "market_ticker": ["KXD-1"] * n,
        "period_minutes": [1] * n,
        "source": ["collector"] * n,
        "end_period_ts": [DAY + timedelta(minutes=i) for i in range(n)],
        "yes_bid_open": VALUES,
        "price_mean": list(reversed(VALUES)),
        "volume": COUNTS,
        "open_interest": [Decimal(i) for i in range(n)],
    }
    store.write_arrow("candles", arrowconv.build(schema.CANDLES, columns))
    got = store.candles(market_ticker="KXD-1")
    assert got.column("yes_bid_open").to_pylist() == VALUES
    assert got.column("price_mean").to_pylist() == list(reversed(VALUES))
    assert got.column("volume").to_pylist() == COUNTS
    assert got.column("yes_ask_open").null_count == n
    assert got.schema.field("volume").type == pa.decimal128(18, 2)
