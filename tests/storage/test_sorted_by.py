"""`arrowconv.sorted_by` (DuckDB candle reads are ordered by Arrow) orders like
`Table.sort_by`, also when it takes its shortcut for rows already in order."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from kalshi_tape.storage.arrowconv import sorted_by

KEYS = ("market_ticker", "source", "end_period_ts")
_row = st.tuples(
    st.sampled_from(["A", "B"]), st.sampled_from(["collector", "kalshi"]), st.integers(0, 50)
)


def table(rows: list[tuple[str, str, int]]) -> pa.Table:
    tickers, sources, ends = zip(*rows, strict=True) if rows else ((), (), ())
    return pa.table(
        {
            "market_ticker": pa.array(tickers, pa.string()),
            "source": pa.array(sources, pa.string()),
            "end_period_ts": pa.array([e * 60_000_000 for e in ends], pa.timestamp("us", tz="UTC")),
        }
    )


@given(st.lists(_row, max_size=30, unique_by=lambda r: r), st.booleans())
def test_orders_like_sort_by(rows: list[tuple[str, str, int]], presorted: bool) -> None:
    data = table(sorted(rows) if presorted else rows)
    expected = data.sort_by([(k, "ascending") for k in KEYS])
    assert sorted_by(data, KEYS).to_pylist() == expected.to_pylist()


def test_rows_in_order_are_returned_as_they_are() -> None:
    data = table([("A", "collector", 1), ("A", "collector", 2)])
    assert sorted_by(data, KEYS) is data
    shuffled = table([("A", "collector", 2), ("A", "collector", 1)])
    assert sorted_by(shuffled, KEYS).column("end_period_ts").to_pylist()[0].minute == 1
