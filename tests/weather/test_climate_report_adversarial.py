"""Adversarial variants of real CLI products (review of issue 19): each edit is one an NWS
office could make; the parser must read the value it states or raise ParseError."""

from __future__ import annotations

from pathlib import Path

import pytest

from kalshi_tape.core.errors import ParseError
from kalshi_tape.weather.climate_report import parse_cli_product
from kalshi_tape.weather.fetchers import pick_section
from kalshi_tape.weather.sites import SITES

CORPUS = Path(__file__).parent.parent / "data" / "cli"
NYC = (CORPUS / "CLINYC.txt").read_text().replace("\r", "")


@pytest.mark.parametrize("name", ["COEUR D'ALENE ID", "ST. MARY'S", "DALLAS/FT WORTH & DFW"])
def test_station_names_with_apostrophes_or_ampersands_are_read(name: str) -> None:
    report = parse_cli_product(NYC.replace("CENTRAL PARK NY", name))[0]
    assert (report.station_name, report.max_f, report.min_f) == (name, 33, 22)


def _second_station(name: str, text: str = NYC) -> str:
    section = text[text.index("...THE CENTRAL PARK") :]
    return section.replace("CENTRAL PARK NY", name)


def test_a_broken_section_of_another_station_does_not_lose_ours() -> None:
    # LaGuardia's section lost its TEMPERATURE header: Central Park's values still stand
    broken = _second_station("LAGUARDIA NY").replace("TEMPERATURE (F)", "TEMP (F)")
    product = NYC.replace("$$", "") + "\n" + broken
    with pytest.raises(ParseError, match="LAGUARDIA"):
        parse_cli_product(product)
    report = pick_section(parse_cli_product(product, SITES["KNYC"].cli_names), SITES["KNYC"])
    assert report is not None
    assert (report.station_name, report.max_f, report.min_f) == ("CENTRAL PARK NY", 33, 22)


def test_a_product_with_a_min_only_second_station_reads_both() -> None:
    no_max = _second_station("LAGUARDIA NY")
    no_max = "\n".join(ln for ln in no_max.split("\n") if not ln.startswith("  MAXIMUM"))
    reports = parse_cli_product(NYC.replace("$$", "") + "\n" + no_max)
    assert [(r.station_name, r.max_f, r.min_f) for r in reports] == [
        ("CENTRAL PARK NY", 33, 22),
        ("LAGUARDIA NY", None, 22),
    ]


def test_the_station_section_follows_the_order_of_the_site_names() -> None:
    # KAUS names ("BERGSTROM", "AUSTIN"): a Camp Mabry section first must not be taken
    mabry = NYC.replace("CENTRAL PARK NY", "AUSTIN CAMP MABRY").replace("$$", "")
    bergstrom = _second_station("AUSTIN BERGSTROM").replace(
        "MAXIMUM         33", "MAXIMUM         41"
    )
    site = SITES["KAUS"]
    report = pick_section(parse_cli_product(mabry + "\n" + bergstrom, site.cli_names), site)
    assert report is not None and (report.station_name, report.max_f) == ("AUSTIN BERGSTROM", 41)


def _issued(text: str, line: str) -> str:
    return text.replace("116 AM EST THU JAN 3 2013", line)


@pytest.mark.parametrize(
    ("issued", "final"),
    [
        ("116 AM EST THU JAN 3 2013", True),  # the morning after: final
        ("516 PM EST WED JAN 2 2013", False),  # the same afternoon, no "TODAY" in the text
        ("1159 PM EST WED JAN 2 2013", False),  # a minute before midnight LST
        ("1230 AM EDT WED JAN 3 2013", False),  # 23:30 EST: the LST day has not ended
        ("130 AM EDT WED JAN 3 2013", True),
    ],
)
def test_a_report_issued_before_the_climate_day_ended_is_never_final(
    issued: str, final: bool
) -> None:
    assert parse_cli_product(_issued(NYC, issued))[0].is_final is final
