"""Real third-party fixtures: the official Central Park CLI highs (ericzzhang) read through
our IEM CLI parser, and Kalshi's settled KXHIGHNY brackets checked by our bracket rule."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from kalshi_tape.core.domain import Market
from kalshi_tape.parse import parse_market
from kalshi_tape.parse.tickers import event_date
from kalshi_tape.reference.brackets import Bracket
from kalshi_tape.weather.cli_json import parse_cli_json
from kalshi_tape.weather.settle import EventCheck, check_event
from kalshi_tape.weather.sites import site_for
from kalshi_tape.weather.verdict import ReportUsed
from tests.weather.samples import FIXTURES

OFFICIAL = FIXTURES / "ericzzhang_cli" / "knyc_cli_daily_excerpt_2025-08_2025-11-24_2026-01-31.csv"
SETTLED = FIXTURES / "jetpackjules_Kalshi-Trader" / "settlements" / "kxhighny_markets_history.csv"


def _official_rows() -> list[dict[str, str]]:
    with OFFICIAL.open() as f:
        return list(csv.DictReader(f))


def _as_iem_json(rows: list[dict[str, str]]) -> bytes:
    """The CSV's CLI columns in IEM's cli.py JSON shape (the CSV was parsed from it)."""
    results = [
        {
            "station": r["source_station"],
            "valid": r["date"],
            "high": int(float(r["official_daily_high_f"])),
            "high_time": r["cli_high_time_local"],
            "low": int(float(r["cli_low_f"])),
            "low_time": r["cli_low_time_local"],
            "precip": r["cli_precip_in"],
            "product": r["cli_product_id"],
        }
        for r in rows
    ]
    return json.dumps({"results": results}).encode()


def test_every_official_high_reads_back_and_is_final() -> None:
    rows = _official_rows()
    assert len(rows) == 100
    days = parse_cli_json(_as_iem_json(rows))
    site = site_for("KNYC")
    for row, day in zip(rows, days, strict=True):
        assert day.climate_date == date.fromisoformat(row["date"])
        assert (
            day.high_f == int(float(row["official_daily_high_f"])) == int(float(row["actual_high"]))
        )
        assert day.low_f == int(float(row["cli_low_f"]))
        assert day.product_id == row["cli_product_id"]
        assert day.issued_at is not None and site.is_final_issue(day.climate_date, day.issued_at)
    late = {d.climate_date: d.issued_at for d in days}[date(2025, 12, 3)]
    assert late is not None and late.hour == 14  # the re-issued 202512041421 product


def _subtitle_bracket(ticker: str, subtitle: str) -> Bracket:
    words = subtitle.replace("°", "").split()
    if "to" in words:
        return Bracket(ticker, "between", int(words[0]), int(words[2]), True, True)  # type: ignore[arg-type]
    value = int(words[0])
    if "above" in words:
        return Bracket(ticker, "greater", value, None, True, False)  # type: ignore[arg-type]
    return Bracket(ticker, "less", None, value, False, True)  # type: ignore[arg-type]


def test_kalshi_results_match_the_official_high_where_both_exist() -> None:
    highs = {
        date.fromisoformat(r["date"]): int(float(r["official_daily_high_f"]))
        for r in _official_rows()
    }
    with SETTLED.open() as f:
        markets = [m for m in csv.DictReader(f) if m["result"] in ("yes", "no")]
    checked = 0
    for m in markets:
        code = m["event_ticker"].split("-")[1]
        day = date(2000 + int(code[:2]), 8, int(code[5:])) if code[2:5] == "AUG" else None
        if day is None or day not in highs:
            continue
        pays = _subtitle_bracket(m["market_ticker"], m["subtitle"]).pays(highs[day])
        assert ("yes" if pays else "no") == m["result"], m["market_ticker"]
        checked += 1
    assert checked == 12  # 25AUG01 and 25AUG02, six brackets each


# --- the 23 KXHIGHNY events of Dec 2025 - Jan 2026 (top-of-book logs) against the official highs

LOGS = FIXTURES / "jetpackjules_Kalshi-Trader" / "market_logs"
DISCOVERY = FIXTURES / "ericzzhang_markets" / "market_discovery_raw.json"


def _final_quotes(path: Path) -> dict[str, tuple[int, int]]:
    """Each ticker's last non-empty (best yes bid, best no bid) in cents; a row of 0/0 is the
    book emptied at settlement, not a quote."""
    last: dict[str, tuple[int, int]] = {}
    with path.open() as f:
        for row in csv.DictReader(f):
            yes, no = int(row["best_yes_bid"]), int(row["best_no_bid"])
            if yes or no:
                last[row["market_ticker"]] = (yes, no)
    return last


def _results_from_quotes(quotes: dict[str, tuple[int, int]]) -> dict[str, str]:
    """The fixture holds no results: an event counts as settled in the log when exactly one
    market's last yes bid is >= 95c and every other market's last no bid is >= 95c; then
    that market is "yes" and the others "no". Otherwise every result is "" (not settled)."""
    winners = [t for t, (yes, _) in quotes.items() if yes >= 95]
    losers = [t for t, (_, no) in quotes.items() if no >= 95]
    if len(winners) == 1 and len(losers) == len(quotes) - 1:
        return {t: "yes" if t in winners else "no" for t in quotes}
    return dict.fromkeys(quotes, "")


def _markets(event: str, results: dict[str, str]) -> list[Market]:
    base = parse_market(json.dumps({"market": json.loads(DISCOVERY.read_text())[0]}).encode())
    strikes = [Decimal(t.rsplit("-", 1)[1][1:]) for t in results if "-B" in t]
    markets = []
    for ticker, result in sorted(results.items()):
        code = ticker.rsplit("-", 1)[1]
        value = Decimal(code[1:])
        if code[0] == "B":  # B32.5 pays on 32..33 (rule "between 32-33°")
            kind, floor, cap = "between", value - Decimal("0.5"), value + Decimal("0.5")
            text = f"is between {floor}-{cap}°"
        elif value > max(strikes):  # the upper tail, T37: "greater than 37°"
            kind, floor, cap, text = "greater", value, None, f"is greater than {value}°"
        else:  # the lower tail, T30: "less than 30°"
            kind, floor, cap, text = "less", None, value, f"is less than {value}°"
        rules = f"If the highest temperature recorded in Central Park, New York {text}, ..."
        markets.append(
            replace(base, ticker=ticker, event_ticker=event, strike_type=kind,
                    floor_strike=floor, cap_strike=cap, result=result, rules_primary=rules)
        )  # fmt: skip
    return markets


def _official_reports() -> dict[date, ReportUsed]:
    site = site_for("KNYC")
    reports = {}
    for day in parse_cli_json(_as_iem_json(_official_rows())):
        assert day.high_f is not None and day.issued_at is not None
        final = site.is_final_issue(day.climate_date, day.issued_at)
        reports[day.climate_date] = ReportUsed("cli (ericzzhang)", day.high_f, final, False,
                                               day.issued_at)  # fmt: skip
    return reports


def _check_logged_events(reports: dict[date, ReportUsed]) -> list[EventCheck]:
    checks = []
    for path in sorted(LOGS.glob("market_data_KXHIGHNY-*.csv")):
        event = path.stem.removeprefix("market_data_")
        markets = _markets(event, _results_from_quotes(_final_quotes(path)))
        day = event_date(event)
        assert day is not None
        checks.append(check_event(event, "KNYC", reports.get(day), markets))
    return checks


def test_settle_check_agrees_with_every_settled_market_of_the_23_real_events() -> None:
    checks = _check_logged_events(_official_reports())
    assert len(checks) == 23 and all(len(e.markets) == 6 for e in checks)
    verdicts = [m.verdict for e in checks for m in e.markets]
    assert verdicts.count("disagrees") == 0
    assert verdicts.count("agrees") == 126  # 21 events x 6 markets
    # 26JAN03 and 26JAN04: the log stops before settlement, so those markets are unknown
    unknown = {e.event_ticker for e in checks for m in e.markets if m.verdict == "unknown"}
    assert unknown == {"KXHIGHNY-26JAN03", "KXHIGHNY-26JAN04"}
    assert all(
        m.reason.startswith("market not settled")
        for e in checks if e.event_ticker in unknown for m in e.markets
    )  # fmt: skip
    for e in checks:  # one implied winner per event, the market trading at 99 where settled
        assert len([m for m in e.markets if m.expected == "yes"]) == 1
        if e.event_ticker not in unknown:
            assert e.expected_winner in e.actual_winners
        else:  # where the log ends early, the CLI high's bracket is the favourite
            quotes = _final_quotes(LOGS / f"market_data_{e.event_ticker}.csv")
            assert e.expected_winner == max(quotes, key=lambda t: quotes[t][0])


def test_a_wrong_official_high_is_caught_on_the_real_events() -> None:
    reports = _official_reports()
    day = date(2025, 12, 5)
    reports[day] = replace(reports[day], value_f=reports[day].value_f + 2)  # 32 -> 34
    checks = _check_logged_events(reports)
    wrong = [m.ticker for e in checks for m in e.markets if m.verdict == "disagrees"]
    assert wrong == ["KXHIGHNY-25DEC05-B32.5", "KXHIGHNY-25DEC05-B34.5"]
    del reports[day]
    reasons = {m.reason for e in _check_logged_events(reports) for m in e.markets}
    assert "no climate report stored for KNYC 2025-12-05" in reasons


def test_a_preliminary_report_is_not_judged() -> None:
    reports = _official_reports()
    day = date(2025, 12, 6)
    reports[day] = replace(reports[day], is_final=False)
    (event,) = [e for e in _check_logged_events(reports) if e.climate_date == day]
    assert {m.verdict for m in event.markets} == {"unknown"}
    assert all(m.reason.startswith("report is preliminary") for m in event.markets)
