"""Against the simulator: `ktape weather fetch` then `settle-check` over 30 settled days."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

from click.testing import CliRunner

from kalshi_tape.cli.main import main
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import DailyClimateRow, open_store
from kalshi_tape.weather.settle import check_settlements
from kalshi_tape.weather.store import load_daily_climate, write_weather
from tests.weather.conftest import sim_settings

START, END = date(2026, 10, 20), date(2026, 11, 18)  # 30 settled days, across Nov 1 DST


def _cli(sim: SimServer, db_url: str, *args: str) -> tuple[int, str]:
    urls = sim_settings(sim, db_url)
    env = {
        "KTAPE_IEM_URL": urls.iem_url,
        "KTAPE_AWC_URL": urls.awc_url,
        "KTAPE_NWS_URL": urls.nws_url,
    }
    env |= {"KALSHI_BASE_URL": sim.base_url, "KTAPE_DB": db_url, "KALSHI_TIER": "unlimited"}
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output + (str(result.exception) if result.exception else "")


def test_fetch_then_settle_check_30_days_agrees_and_a_corruption_is_reported(
    sim: SimServer, db_url: str
) -> None:
    span = ["--start", START.isoformat(), "--end", END.isoformat()]
    code, out = _cli(sim, db_url, "weather", "fetch", "--series", "KXHIGHNY", *span,
                     "--source", "cli", "--source", "iem_cli")  # fmt: skip
    assert code == 0, out
    code, out = _cli(sim, db_url, "weather", "settle-check", "--series", "KXHIGHNY", *span,
                     "--fetch-markets")  # fmt: skip
    assert code == 0, out
    assert "30 settled events 2026-10-20..2026-11-18: 0 disagreements" in out

    with open_store(db_url) as store:
        report = check_settlements(store, "KXHIGHNY", START, END)
        assert len(report.events) == 30 and not report.disagreements
        assert not report.preliminary and not report.missing
        climate = load_daily_climate(store, "KNYC", START, END, source="cli")
        assert climate.num_rows == 30 and all(climate.column("is_final").to_pylist())
        victim = report.events[7].expected_winner
        assert victim is not None
        store.sql(
            'UPDATE markets SET raw_json = replace(raw_json, \'"result":"yes"\', '
            f'\'"result":"no"\') WHERE ticker = {store.placeholder}',
            (victim,),
        )
        corrupted = check_settlements(store, "KXHIGHNY", START, END)
    assert [m.ticker for _, m in corrupted.disagreements] == [victim]
    code, out = _cli(sim, db_url, "weather", "settle-check", "--series", "KXHIGHNY", *span)
    assert code == 1
    assert f"DISAGREEMENT {victim}" in out and "1 disagreements" in out


def test_preliminary_and_missing_reports_are_listed(sim: SimServer, db_url: str) -> None:
    span = ["--start", START.isoformat(), "--end", (START + timedelta(days=2)).isoformat()]
    code, out = _cli(sim, db_url, "weather", "settle-check", "--series", "KXHIGHNY", *span)
    assert code != 0 and "no warehouse at" in out  # a reading command creates none
    code, out = _cli(sim, db_url, "weather", "settle-check", "--series", "KXHIGHNY", *span,
                     "--fetch-markets")  # fmt: skip
    assert code == 0 and "3 without a CLI" in out and "MISSING KXHIGHNY-26OCT20" in out
    with open_store(db_url) as store:
        write_weather(
            store, climate=[DailyClimateRow("KNYC", START, "cli", Decimal(60), None, False)]
        )
    code, out = _cli(sim, db_url, "weather", "settle-check", "--series", "KXHIGHNY", *span)
    assert "1 with a preliminary CLI only" in out and "PRELIMINARY KXHIGHNY-26OCT20" in out
    assert "report is preliminary" in out and "no climate report stored for KNYC 2026-10-21" in out
    code, out = _cli(sim, db_url, "weather", "settle-check", "--series", "KXHIGHNY", *span,
                     "--json")  # fmt: skip
    rows = json.loads(out)
    assert code == 0 and {r["verdict"] for r in rows} == {"unknown"}
    first = [r for r in rows if r["event_ticker"] == "KXHIGHNY-26OCT20"]
    assert first and all(r["report"]["source"] == "cli" and not r["report"]["is_final"]
                         and r["value_f"] == 60 and r["reason"].startswith("report is prelim")
                         for r in first)  # fmt: skip
    assert all(r["report"] is None for r in rows if r["event_ticker"] != "KXHIGHNY-26OCT20")


def test_cli_refuses_unknown_station_and_inverted_dates(sim: SimServer, db_url: str) -> None:
    code, out = _cli(sim, db_url, "weather", "fetch", "--station", "KXYZ",
                     "--start", "2026-11-01", "--end", "2026-11-02")  # fmt: skip
    assert code != 0 and "unknown station or series 'KXYZ'" in out
    code, out = _cli(sim, db_url, "weather", "fetch", "--station", "KNYC",
                     "--start", "2026-11-02", "--end", "2026-11-01")  # fmt: skip
    assert code != 0 and "is before start" in out
    code, out = _cli(sim, db_url, "weather", "settle-check", "--series", "KXHIGHNY",
                     "--start", "2026-11-02", "--end", "2026-11-01")  # fmt: skip
    assert code != 0 and "is before start" in out
    with open_store(db_url) as store:
        assert store.count("daily_climate") == 0 and store.count("backfill_progress") == 0
