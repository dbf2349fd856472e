"""Settlement rules: the bracket by the rule text on real Kalshi markets and both eras'
grammars; the station named by the rules."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from kalshi_tape.core.domain import Market
from kalshi_tape.parse import parse_market
from kalshi_tape.weather.settle import event_date, rule_bracket, rule_site
from tests.weather.samples import FIXTURES


def _real_markets() -> list[Market]:
    path = FIXTURES / "ericzzhang_markets" / "market_discovery_raw.json"
    return [parse_market(json.dumps({"market": m}).encode()) for m in json.loads(path.read_text())]


def test_real_rules_text_agrees_with_the_strikes() -> None:
    markets = _real_markets()
    assert len(markets) == 12
    for market in markets:
        _, same = rule_bracket(market)
        assert same, market.ticker
        assert rule_site(market).icao == "KNYC"
    by_kind = {m.strike_type: rule_bracket(m)[0] for m in markets}
    assert by_kind["between"].low_inclusive and by_kind["between"].high_inclusive
    assert not by_kind["greater"].low_inclusive and not by_kind["less"].high_inclusive


@pytest.mark.parametrize(
    ("text", "value", "pays"),
    [
        ("If the maximum temperature recorded at Chicago (CLIMDW) for Sep 15, 2026, is greater "
         "than 87° fahrenheit according to The Weather Company, then the market resolves to Yes.",
         88, True),
        ("If the maximum temperature recorded at Chicago (CLIMDW) for Sep 15, 2026, is greater "
         "than 87° fahrenheit according to The Weather Company, then the market resolves to Yes.",
         87, False),
        ("If the maximum temperature recorded at Chicago (CLIMDW) for Sep 15, 2026, is between "
         "86-87° fahrenheit according to The Weather Company, then the market resolves to Yes.",
         86, True),
        ("If the maximum temperature recorded at Houston for Jun 2, 2026, is less than 89° "
         "fahrenheit according to the National Weather Service's Climatological Report (Daily)",
         89, False),
    ],
)  # fmt: skip
def test_rule_grammar_of_both_eras(text: str, value: int, pays: bool) -> None:
    base = _real_markets()[0]
    market = replace(base, rules_primary=text)
    bracket, _ = rule_bracket(market)
    assert bracket.pays(value) is pays


def test_station_from_rules() -> None:
    base = _real_markets()[0]
    twc = replace(base, rules_primary="recorded at Chicago (CLIMDW) for Sep 15, 2026, is ...")
    assert rule_site(twc).icao == "KMDW"
    hobby = replace(base, rules_primary='choosing the location "Houston-Hobby, TX" ...')
    assert rule_site(hobby).icao == "KHOU"


def test_event_dates() -> None:
    assert event_date("KXHIGHNY-26AUG08") == date(2026, 8, 8)
    assert event_date("KXHIGHNY-26FOO08") is None
    assert event_date("KXHIGHNY-26FEB30") is None
