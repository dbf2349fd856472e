"""Real third-party fixtures: the official Central Park CLI highs (ericzzhang) read through
our IEM CLI parser, and Kalshi's settled KXHIGHNY brackets checked by our bracket rule."""

from __future__ import annotations

import csv
import json
from datetime import date

from kalshi_tape.brackets import Bracket
from kalshi_tape.weather.cli_json import parse_cli_json
from kalshi_tape.weather.sites import site_for
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
