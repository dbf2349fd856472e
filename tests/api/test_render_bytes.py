"""The fast candle renderer writes exactly the bytes the old one (polars from text
columns, frozen in render_reference.py) wrote, for JSON and CSV, on a table of edge cases
and on generated tables."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_tape.api import columnar
from kalshi_tape.api.render import render_rows
from kalshi_tape.storage import arrowconv, schema
from tests.api import render_reference

DAY = datetime(2026, 11, 20, tzinfo=UTC)
PRICES = [c.name for c in schema.CANDLES.columns if c.arrow_type == pa.decimal128(10, 6)]
MARKET_OMIT = ("market_ticker", "period_minutes", "source")
EVENT_OMIT = ("period_minutes", "source")
ENVELOPE: dict[str, Any] = {
    "market_ticker": "KXT-26NOV20-B1",
    "period": 1,
    "source": "collector",
    "complete": False,
    "stale": False,
    "reason": 'partial: "quoted" é',
    "sources": [{"source": "collector", "first": "a", "last": "b"}],
}


def candles(rows: list[dict[str, Any]]) -> pa.Table:
    """A candles table (warehouse types) from partial rows; missing prices are null."""
    columns: dict[str, list[Any]] = {c.name: [] for c in schema.CANDLES.columns}
    for i, row in enumerate(rows):
        full = {
            "market_ticker": "KXT-26NOV20-B1",
            "period_minutes": 1,
            "source": "collector",
            "end_period_ts": DAY + timedelta(minutes=i + 1),
            "volume": Decimal("0.00"),
            "open_interest": Decimal("10.00"),
            "ingested_at": DAY,
            **row,
        }
        for name, values in columns.items():
            values.append(full.get(name))
    return arrowconv.build(schema.CANDLES, columns)


def day(rng: random.Random, n: int = 1440) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        bid = Decimal(rng.randint(1, 98)) / 100
        traded = rng.random() < 0.33
        row: dict[str, Any] = {f"yes_bid_{k}": bid for k in ("open", "high", "low", "close")}
        row |= {f"yes_ask_{k}": bid + Decimal("0.01") for k in ("open", "high", "low", "close")}
        if traded:
            row |= {name: bid for name in PRICES if name.startswith("price")}
            row["volume"] = Decimal(rng.randint(1, 40))
        out.append(row)
    return out


CASES: dict[str, list[dict[str, Any]]] = {
    "empty": [],
    "one row": [{"yes_bid_open": Decimal("0.39")}],
    "all null prices": [{}, {}, {}],
    "nulls between values": [{"price_close": Decimal("0.5")}, {}, {"price_close": Decimal("1")}],
    "4-decimal prices": [{"yes_bid_open": Decimal("0.0001")}, {"yes_bid_open": Decimal("0.9999")}],
    "6-decimal price": [{"yes_bid_open": Decimal("0.123456")}, {"yes_bid_open": Decimal("0.5")}],
    "bounds": [{"yes_ask_close": Decimal("0")}, {"yes_ask_close": Decimal("1")}],
    "above a dollar": [{"price_mean": Decimal("12.5")}, {"price_mean": Decimal("9999.999999")}],
    "negative": [{"price_previous": Decimal("-0.01")}, {"price_previous": Decimal("-3.5")}],
    "fractional counts": [{"volume": Decimal("12.5"), "open_interest": Decimal("99999999.99")}],
    "sub-second end": [{"end_period_ts": DAY + timedelta(microseconds=1)}],
    "before 1970": [{"end_period_ts": datetime(1969, 12, 31, 23, 59, tzinfo=UTC)}],
    "odd ticker": [{"market_ticker": 'A,"B"\nC'}, {"market_ticker": "é"}],
    "empty and escaped source": [{"source": ""}, {"source": "a\\b\t"}],
    "1440 rows": day(random.Random(3)),
}


@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize("omit", [MARKET_OMIT, EVENT_OMIT, ()], ids=["market", "event", "all"])
@pytest.mark.parametrize("case", list(CASES))
def test_bytes_match_the_old_renderer(case: str, omit: tuple[str, ...], fmt: str) -> None:
    table = candles(CASES[case])
    old = render_reference.render_rows(table, fmt, ENVELOPE, "candles", omit)
    assert render_rows(table, fmt, ENVELOPE, "candles", omit) == old


def test_a_sliced_chunked_table_renders_like_its_copy() -> None:
    table = candles(day(random.Random(5), 300))
    chunked = pa.concat_tables([table.slice(7, 100), table.slice(150, 90)])
    for fmt in ("json", "csv"):
        old = render_reference.render_rows(chunked, fmt, ENVELOPE, "candles", MARKET_OMIT)
        assert render_rows(chunked, fmt, ENVELOPE, "candles", MARKET_OMIT) == old


_price = st.one_of(
    st.none(),
    st.integers(0, 10_000).map(lambda n: Decimal(n) / 10_000),
    st.integers(-(10**9), 10**9).map(lambda n: Decimal(n) / 1_000_000),
)
_row = st.fixed_dictionaries(
    {name: _price for name in PRICES[:6]},
    optional={
        "end_period_ts": st.datetimes(
            datetime(1960, 1, 1), datetime(2200, 1, 1), timezones=st.just(UTC)
        ),
        "market_ticker": st.text(max_size=6),
        "volume": st.integers(0, 10**8).map(lambda n: Decimal(n) / 100),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(_row, max_size=12), fmt=st.sampled_from(["json", "csv"]))
def test_generated_tables_render_like_the_old_renderer(
    rows: list[dict[str, Any]], fmt: str
) -> None:
    table = candles(rows)
    for omit in (MARKET_OMIT, EVENT_OMIT):
        old = render_reference.render_rows(table, fmt, ENVELOPE, "candles", omit)
        assert render_rows(table, fmt, ENVELOPE, "candles", omit) == old


@pytest.mark.parametrize(
    "case", ["one row", "nulls between values", "6-decimal price", "1440 rows"]
)
def test_the_fast_path_renders_candle_tables(case: str) -> None:
    """The comparisons above would pass if every table fell back to polars."""
    table = candles(CASES[case])
    assert columnar.json_rows(table.drop_columns(list(MARKET_OMIT))) is not None
    assert columnar.csv_text(table) is not None


@pytest.mark.parametrize("case", ["sub-second end", "before 1970", "odd ticker"])
def test_what_the_fast_path_cannot_write_goes_to_the_general_renderer(case: str) -> None:
    table = candles(CASES[case])
    assert columnar.json_rows(table) is None
    assert columnar.csv_text(table) is None
