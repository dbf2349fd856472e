"""Kalshi fees against worked values: prices, sizes, fee types and both rounding eras."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from kalshi_tape.backtest.execution.fees import FeeError, FeeSchedule, fee_quantum, trade_date_of
from kalshi_tape.core.money import Count, Price

CENT_ERA = date(2026, 7, 6)
CENTICENT_ERA = date(2026, 7, 7)

# (fee_type, multiplier, taker?, price, count, fee before 2026-07-07, fee from 2026-07-07)
# Worked by hand: raw = rate × M × C × P × (1 − P), rounded up to $0.01 / $0.0001.
WORKED = [
    ("quadratic", "1", True, "0.50", "100", "1.75", "1.7500"),  # the schedule's own example
    ("quadratic", "1", True, "0.50", "1", "0.02", "0.0175"),
    ("quadratic", "1", True, "0.05", "10", "0.04", "0.0333"),  # raw 0.03325
    ("quadratic", "1", True, "0.99", "100", "0.07", "0.0693"),  # raw 0.0693
    ("quadratic", "1", True, "0.33", "7", "0.11", "0.1084"),  # raw 0.108339
    ("quadratic", "1", True, "0.50", "0.30", "0.01", "0.0053"),  # fractional: raw 0.00525
    ("quadratic", "1", False, "0.50", "100", "0.00", "0.0000"),  # no maker fee
    ("quadratic_with_maker_fees", "1", False, "0.50", "100", "0.44", "0.4375"),
    ("quadratic_with_maker_fees", "1", False, "0.10", "3", "0.01", "0.0048"),  # raw 0.004725
    ("quadratic_with_maker_fees", "1", True, "0.10", "3", "0.02", "0.0189"),
    ("quadratic_with_combo_maker_fees", "1", False, "0.50", "100", "0.88", "0.8750"),
    ("quadratic", "0.5", True, "0.50", "100", "0.88", "0.8750"),
    ("quadratic", "2", True, "0.20", "10", "0.23", "0.2240"),
]


@pytest.mark.parametrize(("fee_type", "mult", "taker", "price", "count", "old", "new"), WORKED)
def test_fee_table(
    fee_type: str, mult: str, taker: bool, price: str, count: str, old: str, new: str
) -> None:
    schedule = FeeSchedule(fee_type, Decimal(mult))
    p, c = Price(price), Count(count)
    assert schedule.fee(p, c, taker=taker, trade_date=CENT_ERA) == Decimal(old)
    assert schedule.fee(p, c, taker=taker, trade_date=CENTICENT_ERA) == Decimal(new)


def test_fee_is_symmetric_in_yes_and_no_price() -> None:
    s = FeeSchedule()
    for cents in range(1, 100):
        p = Price.from_cents(cents)
        assert s.fee(p, Count("13"), taker=True, trade_date=CENT_ERA) == s.fee(
            p.complement(), Count("13"), taker=True, trade_date=CENT_ERA
        )


def test_rounding_era_follows_the_eastern_trade_date() -> None:
    late_evening_et = int(datetime(2026, 7, 7, 3, 0, tzinfo=UTC).timestamp())  # 23:00 EDT Jul 6
    assert trade_date_of(late_evening_et) == date(2026, 7, 6)
    assert fee_quantum(trade_date_of(late_evening_et)) == Decimal("0.01")
    assert fee_quantum(trade_date_of(late_evening_et + 3600)) == Decimal("0.0001")


def test_unknown_fee_type_is_a_clear_error() -> None:
    with pytest.raises(FeeError, match="flat"):
        FeeSchedule("flat")
    with pytest.raises(FeeError, match="negative"):
        FeeSchedule("quadratic", Decimal("-1"))


def test_event_fee_overrides_replace_the_series_terms(tmp_path: object) -> None:
    import json
    from pathlib import Path

    from kalshi_tape.backtest.execution.events import event_fees
    from kalshi_tape.storage import open_store

    url = f"duckdb:///{Path(str(tmp_path)) / 'f.duckdb'}"
    series = FeeSchedule("quadratic", Decimal(1))
    with open_store(url) as store:
        for ticker, raw in (
            ("E-PLAIN", {"event_ticker": "E-PLAIN"}),
            ("E-OVER", {"fee_type_override": "quadratic_with_maker_fees",
                        "fee_multiplier_override": 0.5}),
            ("E-MULT", {"fee_type_override": None, "fee_multiplier_override": 2}),
        ):  # fmt: skip
            store.sql(
                "INSERT INTO events (event_ticker, series_ticker, raw_json, ingested_at) "
                "VALUES (?, 'E', ?, TIMESTAMPTZ '2026-01-01 00:00:00+00')",
                [ticker, json.dumps(raw)],
            )
        assert event_fees(store, "E-PLAIN", series) == series
        assert event_fees(store, "E-MISSING", series) == series
        assert event_fees(store, "E-OVER", series) == FeeSchedule(
            "quadratic_with_maker_fees", Decimal("0.5")
        )
        assert event_fees(store, "E-MULT", series) == FeeSchedule("quadratic", Decimal(2))
