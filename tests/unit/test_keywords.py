"""keywords: TypedDict-declared keyword arguments checked at run time and put in order."""

from __future__ import annotations

from typing import TypedDict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_tape.core import keywords


class _Filters(TypedDict, total=False):
    ticker: str | None
    min_ts: int | None
    limit: int


class _Window(TypedDict):
    start_ts: int
    end_ts: int


def test_check_refuses_an_unknown_name_like_a_signature() -> None:
    keywords.check(_Filters, {"ticker": "X", "limit": 5}, "get_trades")
    with pytest.raises(TypeError, match=r"get_trades\(\) got unexpected .*'tickr'"):
        keywords.check(_Filters, {"tickr": "X"}, "get_trades")


def test_check_refuses_a_missing_required_name() -> None:
    keywords.check(_Window, {"start_ts": 1, "end_ts": 2}, "candles")
    with pytest.raises(TypeError, match=r"candles\(\) missing .*'end_ts'"):
        keywords.check(_Window, {"start_ts": 1}, "candles")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "ticker": st.none() | st.text(max_size=3),
            "min_ts": st.none() | st.integers(),
            "limit": st.integers(),
        },
    )
)
def test_ordered_has_every_name_in_declared_order(given_: dict[str, object]) -> None:
    got = keywords.ordered(_Filters, given_, "get_trades", limit=1000)
    assert list(got) == ["ticker", "min_ts", "limit"]
    assert got["limit"] == given_.get("limit", 1000)
    assert all(got[name] == given_.get(name) for name in ("ticker", "min_ts"))
