"""Weather brackets as data (weather.md §1.4): the interval a market pays on, and pays()."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest

from kalshi_tape import parse
from kalshi_tape.core.domain import Market
from kalshi_tape.core.errors import ParseError
from kalshi_tape.reference.brackets import Bracket, bracket_of, series_of, station_of
from tests.shared_data import SHARED

DISCOVERY = SHARED / "kalshi/fixtures/ericzzhang_markets/market_discovery_raw.json"


def _market(**fields: Any) -> Market:
    body = {"ticker": "KXHIGHNY-26AUG08-X", "event_ticker": "KXHIGHNY-26AUG08", **fields}
    return parse.parse_market(json.dumps({"market": body}).encode())


def _real_markets() -> list[Market]:
    page = parse.parse_markets_page(b'{"markets":' + DISCOVERY.read_bytes() + b"}")
    return list(page.items)


# weather.md §1.4 table: strike_type, floor, cap, paying and non-paying integer values
SECTION_1_4 = [
    ("between", 89, 90, [89, 90], [88, 91]),
    ("greater", 96, None, [97, 120], [96, 95]),
    ("less", None, 89, [88, -10], [89, 90]),
    ("greater_or_equal", 96, None, [96, 97], [95]),
    ("less_or_equal", None, 89, [89, 88], [90]),
]


@pytest.mark.parametrize(("kind", "floor", "cap", "yes", "no"), SECTION_1_4)
def test_pays_per_weather_md(
    kind: str, floor: int | None, cap: int | None, yes: list[int], no: list[int]
) -> None:
    fields = {"strike_type": kind, "floor_strike": floor, "cap_strike": cap}
    bracket = bracket_of(_market(**{k: v for k, v in fields.items() if v is not None}))
    assert [bracket.pays(v) for v in yes] == [True] * len(yes)
    assert [bracket.pays(v) for v in no] == [False] * len(no)


def test_pays_on_fractional_values_and_describe() -> None:
    between = bracket_of(_market(strike_type="between", floor_strike=79, cap_strike=80))
    assert between.pays(Decimal("79.0")) and between.pays(Decimal("80.0"))
    assert not between.pays(Decimal("80.01"))
    assert between.describe() == "[79, 80]"
    greater = bracket_of(_market(strike_type="greater", floor_strike=80))
    assert greater.describe() == "(80, +inf)"
    assert not greater.pays(Decimal("80")) and greater.pays(Decimal("80.5"))
    less = bracket_of(_market(strike_type="less", cap_strike=73))
    assert less.describe() == "(-inf, 73)"
    assert less == Bracket("KXHIGHNY-26AUG08-X", "less", None, Decimal(73), False, False)


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"strike_type": "between", "floor_strike": 79}, "cap_strike"),
        ({"strike_type": "between", "cap_strike": 80}, "floor_strike"),
        ({"strike_type": "greater"}, "floor_strike"),
        ({"strike_type": "less"}, "cap_strike"),
        ({"strike_type": "functional"}, "strike_type"),
        ({}, "strike_type"),
    ],
)
def test_unusable_strikes_raise_parse_error(fields: dict[str, Any], path: str) -> None:
    with pytest.raises(ParseError) as caught:
        bracket_of(_market(**fields))
    assert caught.value.path == f"market KXHIGHNY-26AUG08-X.{path}"


def test_real_events_pay_exactly_one_bracket_for_every_temperature() -> None:
    markets = _real_markets()
    events = {m.event_ticker for m in markets}
    assert events == {"KXHIGHNY-26JUN01", "KXHIGHNY-26JUN02"}
    for event in events:
        brackets = [bracket_of(m) for m in markets if m.event_ticker == event]
        assert len(brackets) == 6
        for value in range(40, 121):
            assert sum(b.pays(value) for b in brackets) == 1, (event, value)


def test_real_sub_titles_agree_with_pays() -> None:
    """'81° or above' pays from 81; '72° or below' up to 72; '79° to 80°' both ends."""
    for market in _real_markets():
        bracket = bracket_of(market)
        numbers = [int(n) for n in re.findall(r"\d+", market.yes_sub_title)]
        paying = [v for v in range(0, 150) if bracket.pays(v)]
        if "above" in market.yes_sub_title:
            assert paying[0] == numbers[0] and paying[-1] == 149
        elif "below" in market.yes_sub_title:
            assert paying[0] == 0 and paying[-1] == numbers[0]
        else:
            assert (paying[0], paying[-1]) == tuple(numbers)


def test_series_and_station_of_a_market() -> None:
    assert series_of("KXHIGHNY-26JUN02-B79.5") == "KXHIGHNY"
    assert series_of("KXHIGHNY") == "KXHIGHNY"
    station = station_of(_real_markets()[0])
    assert station is not None
    assert (station.city, station.cli_code, station.lst_offset_hours) == ("New York", "CLINYC", -5)
    unknown = parse.parse_market(b'{"market":{"ticker":"KXBTC-1","event_ticker":"KXBTC-26"}}')
    assert station_of(unknown) is None
