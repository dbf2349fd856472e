"""The one time parser: good inputs to exact ns, ambiguous ones rejected with an example."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kalshi_tape.cli.main import main
from kalshi_tape.core.timeparse import MAX_NS, TimeInputError, parse_instant

NS = 10**9
JAN1 = 1_704_067_200 * NS  # 2024-01-01T00:00:00Z


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("2024-01-01", JAN1),
        ("2024-01-01T00:00:00Z", JAN1),
        ("2024-01-01T05:00:00+05:00", JAN1),
        ("2024-01-01T00:00:00.000001Z", JAN1 + 1000),
        ("1704067200s", JAN1),
        ("1704067200000ms", JAN1),
        ("1704067200000001us", JAN1 + 1000),
        ("1704067200000000007ns", JAN1 + 7),
    ],
)
def test_good_inputs(text: str, ns: int) -> None:
    assert parse_instant(text) == ns


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("20240101", "needs a unit"),  # was read as Unix seconds (1970)
        ("1700000000", "needs a unit"),
        ("1700000000.5", "needs a unit"),
        ("2024-01-01T12:00:00", "no zone"),
        ("253402300800s", "after 9999"),
        ("yesterday", "not an ISO 8601"),
        ("2024-13-01", "not an ISO 8601"),
        ("1969-12-31T23:59:59Z", "before 1970"),
    ],
)
def test_bad_inputs_name_the_input_and_an_example(text: str, why: str) -> None:
    with pytest.raises(TimeInputError) as err:
        parse_instant(text)
    assert why in str(err.value)
    assert "1704067200s" in str(err.value)


@given(st.integers(0, MAX_NS // 1000))
def test_epoch_units_agree_exactly(us: int) -> None:
    assert parse_instant(f"{us}us") == us * 1000
    if us % 1000 == 0:
        assert parse_instant(f"{us // 1000}ms") == us * 1000


def test_book_cli_rejects_a_bare_number_with_an_example() -> None:
    result = CliRunner().invoke(main, ["book", "T", "--at", "20240101", "--db", "duckdb:///x"])
    assert result.exit_code == 2
    assert "needs a unit" in result.output and "1704067200s" in result.output
