"""Daily-low series (KXLOWT*): the registry, the rule text and which CLI extreme settles."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.parse import parse_market
from kalshi_tape.reference.stations import settles_on_minimum, station_for
from kalshi_tape.weather.settle import rule_bracket
from kalshi_tape.weather.sites import site_for
from tests.weather.samples import FIXTURES

LOWS = {
    "KXLOWTNYC": "KNYC",
    "KXLOWTCHI": "KMDW",
    "KXLOWTMIA": "KMIA",
    "KXLOWTAUS": "KAUS",
    "KXLOWTDEN": "KDEN",
    "KXLOWTLAX": "KLAX",
    "KXLOWTPHIL": "KPHL",
}


@pytest.mark.parametrize(("series", "icao"), sorted(LOWS.items()))
def test_low_series_map_to_the_high_series_station(series: str, icao: str) -> None:
    station = station_for(series)
    assert station is not None and station.icao == icao
    assert site_for(series).icao == icao
    assert settles_on_minimum(series)
    assert not settles_on_minimum(station.series_ticker)


def test_unknown_low_series_is_a_config_error() -> None:
    assert station_for("KXLOWTXYZ") is None
    with pytest.raises(ConfigError, match="KXLOWTXYZ"):
        site_for("KXLOWTXYZ")


def test_low_rule_text_gives_the_bracket() -> None:
    path = FIXTURES / "ericzzhang_markets" / "market_discovery_raw.json"
    base = parse_market(json.dumps({"market": json.loads(path.read_text())[0]}).encode())
    text = (
        "If the minimum temperature recorded at Central Park, New York for Dec 8, 2026, is "
        "less than 30° fahrenheit according to the National Weather Service's Climatological "
        "Report (Daily), then the market resolves to Yes."
    )
    bracket, _ = rule_bracket(replace(base, rules_primary=text))
    assert bracket.pays(29) and not bracket.pays(30)
    between = text.replace("less than 30°", "between 30-31°")
    bracket, _ = rule_bracket(replace(base, rules_primary=between))
    assert bracket.pays(30) and bracket.pays(31) and not bracket.pays(32)
