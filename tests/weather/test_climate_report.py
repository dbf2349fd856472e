"""The CLI text parser on every real product in shared/weather_samples/cli."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from kalshi_tape.core.errors import ParseError
from kalshi_tape.weather.climate_report import parse_cli_product, parse_clock, split_products
from kalshi_tape.weather.fetchers import pick_section
from kalshi_tape.weather.sites import site_for
from tests.weather.samples import sample

# file, section, station, date, max, max time, min, min time, final, correction, issued (UTC)
EXPECTED = [
    ("CLINYC.txt", 0, "CENTRAL PARK NY", date(2013, 1, 2), 33, time(15, 1), 22, time(7, 43),
     True, False, datetime(2013, 1, 3, 6, 16, tzinfo=UTC)),
    ("CLIDCA.txt", 0, "WASHINGTON NATIONAL DC", date(2026, 6, 28), 76, time(18, 27), 72,
     time(8, 46), True, False, datetime(2026, 6, 29, 6, 40, tzinfo=UTC)),
    ("CLIDSM2.txt", 0, "DES MOINES IA", date(2014, 10, 12), 56, time(12, 4), 43, time(3, 22),
     False, False, datetime(2014, 10, 12, 22, 26, tzinfo=UTC)),
    ("CLIHOU.txt", 0, "HOUSTON INTERCONTINENTAL", date(2014, 11, 30), 80, time(14, 33), 61,
     time(23, 58), True, False, datetime(2014, 12, 1, 14, 45, tzinfo=UTC)),
    ("CLIHOU.txt", 1, "HOUSTON/HOBBY AIRPORT", date(2014, 11, 30), 79, time(14, 0), 62,
     time(7, 30), True, False, datetime(2014, 12, 1, 14, 45, tzinfo=UTC)),
    ("CLIEWN.txt", 0, "NEW BERN NC", date(2014, 9, 28), 83, time(14, 13), 62, time(6, 17),
     True, True, datetime(2014, 10, 18, 13, 28, tzinfo=UTC)),
    ("CLIRDU_v2.txt", 0, "RALEIGH-DURHAM INTL AIRPORT NC", date(2021, 3, 20), 57, time(15, 0),
     31, time(6, 51), True, True, datetime(2021, 3, 21, 9, 21, tzinfo=UTC)),
    ("CLICVG_colon.txt", 0, "CINCINNATI OH", date(2021, 2, 4), 39, time(23, 29), 22,
     time(0, 43), True, False, datetime(2021, 2, 5, 5, 34, tzinfo=UTC)),
    ("CLIDMH.txt", 0, "BALTIMORE INNER HARBOR MD", date(2019, 5, 9), 74, time(15, 26), 61,
     time(5, 40), True, False, datetime(2019, 5, 10, 5, 30, tzinfo=UTC)),
]  # fmt: skip


@pytest.mark.parametrize("row", EXPECTED, ids=[f"{r[0]}#{r[1]}" for r in EXPECTED])
def test_every_real_product_parses_to_its_values(row: tuple[object, ...]) -> None:
    name, index, station, day, hi, hi_at, lo, lo_at, final, correction, issued = row
    assert isinstance(index, int)
    report = parse_cli_product(sample(f"cli/{name}").decode("latin-1"))[index]
    assert report.station_name == station
    assert report.climate_date == day
    assert (report.max_f, report.maximum and report.maximum.at_lst) == (hi, hi_at)
    assert (report.min_f, report.minimum and report.minimum.at_lst) == (lo, lo_at)
    assert report.is_final is final
    assert report.is_correction is correction
    assert report.issued_at == issued


def test_estimated_values_and_the_normals_trap() -> None:
    (report,) = parse_cli_product(sample("cli/CLIRDU_v2.txt").decode())
    assert report.maximum is not None and report.maximum.estimated
    assert report.minimum is not None and report.minimum.estimated
    # the product also says "MAXIMUM TEMPERATURE... 59" outside the TEMPERATURE section
    assert report.max_f == 57


def test_houston_product_holds_two_stations_and_hobby_is_ours() -> None:
    reports = parse_cli_product(sample("cli/CLIHOU.txt").decode())
    assert [r.station_name for r in reports] == [
        "HOUSTON INTERCONTINENTAL",
        "HOUSTON/HOBBY AIRPORT",
    ]
    chosen = pick_section(reports, site_for("KXHIGHTHOU"))
    assert chosen is not None and chosen.max_f == 79


def test_missing_and_record_values() -> None:
    text = sample("cli/CLINYC.txt").decode()
    missing = text.replace("  MAXIMUM         33    301 PM", "  MAXIMUM         MM        ")
    (report,) = parse_cli_product(missing)
    assert report.maximum is None and report.max_f is None
    record = text.replace("  MAXIMUM         33    301 PM", "  MAXIMUM       R 68    301 PM")
    (report,) = parse_cli_product(record)
    assert report.maximum is not None and report.maximum.value_f == 68 and report.maximum.record
    negative = text.replace("  MINIMUM         22    743 AM", "  MINIMUM         -5    743 AM")
    assert parse_cli_product(negative)[0].min_f == -5


def test_iem_archive_is_split_into_products() -> None:
    archive = (
        b"\x01\n" + sample("cli/CLINYC.txt") + b"\n\x03\n\x01\n" + sample("cli/CLIDSM2.txt")
    ).decode("latin-1") + "\n\x03\n"
    products = split_products(archive)
    assert len(products) == 2
    assert [parse_cli_product(p)[0].max_f for p in products] == [33, 56]


def test_garbage_is_refused_clearly() -> None:
    with pytest.raises(ParseError, match="CLIMATE SUMMARY"):
        parse_cli_product("<html><body>502 Bad Gateway</body></html>")
    no_temps = sample("cli/CLINYC.txt").decode().replace("TEMPERATURE (F)", "TEMPERATURES")
    with pytest.raises(ParseError, match="TEMPERATURE"):
        parse_cli_product(no_temps)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("301 PM", time(15, 1)), ("1204 PM", time(12, 4)), ("6:27 PM", time(18, 27)),
     ("1214 AM", time(0, 14)), ("11:29 PM", time(23, 29)), ("MM", None)],
)  # fmt: skip
def test_clock_texts(text: str, expected: time | None) -> None:
    assert parse_clock(text) == expected


def test_bad_clock_text() -> None:
    with pytest.raises(ParseError):
        parse_clock("1375 PM")


def test_truncated_archive_is_refused() -> None:
    archive = ("\x01\n" + sample("cli/CLINYC.txt").decode() + "\n\x03\n") * 2
    assert len(split_products(archive)) == 2
    with pytest.raises(ParseError, match="truncated"):
        split_products(archive[: len(archive) * 3 // 4])
