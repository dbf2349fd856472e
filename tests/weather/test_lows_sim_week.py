"""Acceptance (issue 19): a week of KXLOWTNYC and KXHIGHNY from `ktape sim` over loopback,
backfilled unchanged into DuckDB, weather from the sim's services, settle-check agrees on
every market, and a favourite backtest on the low series writes its HTML report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kalshi_tape.backtest.data.wxsource import store_weather
from kalshi_tape.backtest.report.html import render
from kalshi_tape.backtest.run.runner import BacktestConfig, run_backtest
from kalshi_tape.backtest.signals.weather_mc import WeatherParams
from kalshi_tape.client.discover import Selection
from kalshi_tape.reference.brackets import bracket_of
from kalshi_tape.sim.cities import CITIES
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.eventgen import make_event
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import open_store
from kalshi_tape.weather.settle import check_settlements, settled_markets
from kalshi_tape.weather.verdict import AGREES
from tests.backfill.helpers import SIM_NOW, run
from tests.weather.test_settle_sim import _cli

START, END = date(2026, 11, 9), date(2026, 11, 15)  # a week, all settled by SIM_NOW


def test_low_event_shares_the_high_path_and_settles_on_its_minimum() -> None:
    day = date(2026, 11, 10)
    high = make_event(11, CITIES["KXHIGHNY"], day)
    low = make_event(11, CITIES["KXLOWTNYC"], day)
    assert low.path == high.path and low.daily_low == round(min(high.path))
    assert low.settlement_value == low.daily_low and high.settlement_value == high.daily_high
    assert [low.result(m) for m in low.markets].count("yes") <= 1
    assert all("minimum temperature" in m.rules_primary for m in low.markets)
    assert low.title.startswith("Lowest temperature in NYC")


def test_a_week_of_lows_and_highs_backfilled_settle_checked_and_backtested(
    tmp_path: Path,
) -> None:
    db_url = f"duckdb:///{tmp_path}/week.duckdb"
    config = SimConfig(seed=11, now=SIM_NOW, speed=0, tier="unlimited",
                       series=("KXHIGHNY", "KXLOWTNYC"), days=20)  # fmt: skip
    span = ["--start", START.isoformat(), "--end", END.isoformat()]
    with SimServer(config) as sim:
        run(sim.base_url, db_url, Selection(series=config.series, start=START, end=END))
        code, out = _cli(sim, db_url, "weather", "fetch", "--series", "KXHIGHNY", *span,
                         "--source", "cli", "--source", "iem_cli", "--source", "metar_iem",
                         "--source", "forecast")  # fmt: skip
        assert code == 0, out
    with open_store(db_url) as store:
        for series in config.series:
            markets = settled_markets(store, series, START, END)
            assert len(markets) == 7 * 6
            assert all(bracket_of(m).ticker == m.ticker for m in markets)
            report = check_settlements(store, series, START, END)
            assert len(report.events) == 7, series
            assert not report.disagreements and not report.missing and not report.preliminary
            # agrees on every market: an "unknown" (not judged) must not pass for agreement
            assert report.count(AGREES) == len(report.markets) == 7 * 6, series
        low_values = {e.cli_high for e in check_settlements(store, "KXLOWTNYC", START, END).events}
        high_values = {e.cli_high for e in check_settlements(store, "KXHIGHNY", START, END).events}
        assert low_values != high_values  # the low series really read the minimum
        backtest = BacktestConfig("KXLOWTNYC", START, END, "favourite",
                                  weather=WeatherParams(paths=100, every_minutes=60))  # fmt: skip
        result = run_backtest(store, backtest, store_weather(store))
    assert len(result.events) == 7 and result.weather_used
    html = render(result)
    (tmp_path / "report.html").write_text(html)
    assert "favourite on KXLOWTNYC" in html


def test_bracket_rules_read_the_low_markets_rule_text() -> None:
    import json
    from dataclasses import replace

    import pytest

    from kalshi_tape.core.errors import ParseError
    from kalshi_tape.parse import parse_market
    from kalshi_tape.reference.brackets import settled_extreme
    from tests.weather.samples import FIXTURES

    path = FIXTURES / "ericzzhang_markets" / "market_discovery_raw.json"
    base = parse_market(json.dumps({"market": json.loads(path.read_text())[0]}).encode())
    for era_day in (date(2026, 6, 1), date(2026, 11, 10)):  # NWS and TWC rule wording
        for series, extreme in (("KXLOWTNYC", "minimum"), ("KXHIGHNY", "maximum")):
            spec = make_event(11, CITIES[series], era_day)
            for m in spec.markets:
                market = replace(base, ticker=m.ticker, event_ticker=spec.event_ticker,
                                 rules_primary=m.rules_primary)  # fmt: skip
                assert settled_extreme(market) == extreme
    high_text = make_event(11, CITIES["KXHIGHNY"], START).markets[0].rules_primary
    wrong = replace(base, event_ticker="KXLOWTNYC-26NOV09", rules_primary=high_text)
    with pytest.raises(ParseError, match="settles on minimum"):
        settled_extreme(wrong)
    with pytest.raises(ParseError, match="neither"):
        settled_extreme(replace(base, event_ticker="KXFOO-26NOV09", rules_primary="x"))


def test_settle_check_refuses_a_market_whose_rules_name_the_other_extreme() -> None:
    """A KXLOWT* market whose rule text says "highest" is not judged: unknown, with why."""
    import json
    from dataclasses import replace

    from kalshi_tape.parse import parse_market
    from kalshi_tape.weather.settle import check_event
    from kalshi_tape.weather.verdict import ReportUsed
    from tests.weather.samples import FIXTURES

    path = FIXTURES / "ericzzhang_markets" / "market_discovery_raw.json"
    base = parse_market(json.dumps({"market": json.loads(path.read_text())[0]}).encode())
    spec = make_event(11, CITIES["KXLOWTNYC"], START)
    high_text = make_event(11, CITIES["KXHIGHNY"], START).markets[0].rules_primary
    texts = [high_text] + [m.rules_primary for m in spec.markets[1:]]
    markets = []
    for m, text in zip(spec.markets, texts, strict=True):
        result = "yes" if m.pays(spec.settlement_value) else "no"
        fields = {"ticker": m.ticker, "event_ticker": spec.event_ticker, "result": result}
        markets.append(replace(base, rules_primary=text, **fields))
    used = ReportUsed("cli", spec.settlement_value, True, False, None)
    checked = check_event(spec.event_ticker, "KNYC", used, markets).markets
    assert checked[0].verdict == "unknown" and "disagree" in checked[0].reason
    assert all(c.verdict == "agrees" for c in checked[1:])
