"""METAR: T-group back to whole °F, the 6-/24-hour groups, both archive formats."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from kalshi_tape.core.errors import ParseError
from kalshi_tape.sim.weather.model import c_tenths
from kalshi_tape.weather.metar import (
    c_tenths_to_whole_f,
    parse_awc_json,
    parse_iem_metar_csv,
    parse_metar,
    split_bulletin,
)
from tests.weather.samples import AWC_JSON, HTML_PAGE, IEM_METAR_CSV, sample

JULY_2019 = datetime(2019, 7, 1, 12, tzinfo=UTC)


def _reports(name: str) -> dict[str, object]:
    out = {}
    for raw in split_bulletin(sample(f"metar/{name}").decode()):
        report = parse_metar(raw, JULY_2019)
        if report is not None:
            out.setdefault(report.station, report)
    return out


def test_metpy_excerpt_kphx_values() -> None:
    reports = _reports("metpy_metar_20190701_1200_excerpt.txt")
    phx = reports["KPHX"]
    assert phx.temperature_f == Decimal(89)  # T03170094: 31.7 °C
    assert phx.dewpoint_f == Decimal(49)  # 9.4 °C
    assert (phx.max_6h_f, phx.min_6h_f) == (Decimal(99), Decimal(89))  # 10372 20317
    assert phx.from_t_group and phx.max_24h_f is None
    assert len(reports) == 17  # 19 reports; KAQP and KDAG repeat in the second bulletin
    raws = split_bulletin(sample("metar/metpy_metar_20190701_1200_excerpt.txt").decode())
    assert len(raws) == 19


def test_collective_groups_negative_and_body_only() -> None:
    reports = split_bulletin(sample("metar/pyiem_collective.txt").decode("latin-1"))
    parsed = [parse_metar(r, datetime(2019, 7, 8, 14, tzinfo=UTC)) for r in reports]
    by_station = {}
    for p in parsed:
        if p is not None:
            by_station.setdefault(p.station, p)
    amw = by_station["KAMW"]  # T01170106 10206 20117 402280117
    assert (amw.temperature_f, amw.max_6h_f, amw.min_6h_f) == (53, 69, 53)
    assert (amw.max_24h_f, amw.min_24h_f) == (73, 53)
    alo = by_station["KALO"]  # M04/M07 ... T10441072: -4.4 °C
    assert alo.temperature_f == Decimal(24) and alo.dewpoint_f == Decimal(19)
    mia = by_station["KMIA"]  # body only, 23/19: whole °C converted exactly
    assert not mia.from_t_group and mia.temperature_f == Decimal("73.40")
    assert "QQQQ" in " ".join(reports) and "QQQQ" not in by_station  # garbage skipped


@pytest.mark.parametrize("whole_f", range(-40, 131))
def test_whole_fahrenheit_survives_tenths_of_celsius(whole_f: int) -> None:
    assert c_tenths_to_whole_f(Decimal(c_tenths(whole_f)) / 10) == whole_f


def test_iem_archive_csv() -> None:
    (report,) = parse_iem_metar_csv(IEM_METAR_CSV)
    assert report.observed_at == datetime(2019, 7, 1, 11, 51, tzinfo=UTC)
    assert (report.temperature_f, report.max_6h_f) == (89, 99)


def test_awc_json_rederives_from_raw() -> None:
    (report,) = parse_awc_json(AWC_JSON)
    assert report.station == "KORD"
    assert report.temperature_f == Decimal(58)  # 14.4 °C
    assert (report.max_6h_f, report.min_6h_f) == (59, 51)  # 15.0 / 10.6 °C
    assert report.observed_at == datetime.fromtimestamp(1758480660, UTC)


def test_awc_json_that_contradicts_its_raw_report_is_refused() -> None:
    with pytest.raises(ParseError, match="disagrees"):
        parse_awc_json(AWC_JSON.replace(b'"temp":14.4', b'"temp":19.4'))


@pytest.mark.parametrize("body", [HTML_PAGE, b'{"error": "x"}', b"[{"])
def test_awc_bad_bodies(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_awc_json(body)


def test_iem_truncated_csv() -> None:
    with pytest.raises(ParseError, match="truncated"):
        parse_iem_metar_csv(IEM_METAR_CSV[:-30])
