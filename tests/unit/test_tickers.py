"""The one event-ticker date parser and its inverse."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from kalshi_tape.parse.tickers import date_code, event_date


@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.sampled_from(["", "-B85.5", "-T90"]))
def test_date_code_round_trips_through_event_and_market_tickers(day: date, bracket: str) -> None:
    assert event_date(f"KXHIGHNY-{date_code(day)}{bracket}") == day


def test_tickers_without_a_valid_code_have_no_date() -> None:
    assert event_date("KXHIGHNY-26JUN02") == date(2026, 6, 2)
    for ticker in ("KXHIGHNY", "KXHIGHNY-26XYZ02", "KXHIGHNY-26FEB30", "KXHIGHNY-26JUN023"):
        assert event_date(ticker) is None, ticker
