"""The parser against real CLI products (tests/data/cli/, see SOURCES.md there).

Every expected value below was read by hand from the product text, not from the parser.
"""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_tape.core.errors import ParseError
from kalshi_tape.weather.climate_report import parse_cli_product

CORPUS = Path(__file__).parent.parent / "data" / "cli"

# file -> (section index, climate date, max, min); None = the product states no value
EXPECTED: dict[str, tuple[int, date, int | None, int | None]] = {
    "CLIABY": (0, date(2014, 9, 29), 79, 72),
    "CLIALO": (0, date(2014, 1, 3), 19, -21),  # "-21R": negative and a record
    "CLIANC": (3, date(2017, 3, 14), 10, -3),  # fourth of six Alaska stations: Bethel
    "CLIANN": (0, date(2015, 3, 2), 53, 33),  # Alaska: bare "TEMPERATURE", "53R 0151 PM"
    "CLIBNA": (0, date(2015, 10, 19), 47, 34),  # no time column
    "CLIBOI": (0, date(2014, 12, 29), 28, 23),
    "CLICKV": (0, date(2014, 12, 29), 39, 33),
    "CLICVG_colon": (0, date(2021, 2, 4), 39, 22),
    "CLIDCA": (0, date(2026, 6, 28), 76, 72),
    "CLIDMH": (0, date(2019, 5, 9), 74, 61),  # record column "MM"
    "CLIDRT": (0, date(2014, 12, 29), 42, 37),  # no AVERAGE line
    "CLIDSM2": (0, date(2014, 10, 12), 56, 43),
    "CLIEKA": (0, date(2014, 12, 28), 55, 42),  # no time column, record-year continuation
    "CLIEWN": (0, date(2014, 9, 28), 83, 62),  # correction
    "CLIHOU": (1, date(2014, 11, 30), 79, 62),  # second station: Hobby
    "CLIJNU": (0, date(2013, 6, 30), 75, 52),
    "CLIMSO": (0, date(2014, 12, 29), None, 12),  # minimum only
    "CLIMUO": (0, date(2021, 6, 23), 92, 58),
    "CLIMYV": (0, date(2022, 11, 12), 60, 41),
    "CLINYC": (0, date(2013, 1, 2), 33, 22),
    "CLIOME_2": (0, date(2006, 11, 8), 29, 19),  # Alaska, irregular indentation
    "CLIPPG": (0, date(2020, 12, 28), 89, 77),  # Pacific: "TEMPERATURE(F)", no indentation
    "CLIPPG2": (0, date(2021, 6, 23), 86, 78),
    "CLIPPG3": (0, date(2022, 2, 6), 89, 82),  # product cut after COOLING: values still there
    "CLIPPG4": (0, date(2023, 3, 30), 86, 77),  # "CLIMATE SUMMARY FROM"
    "CLIRDU_v2": (0, date(2021, 3, 20), 57, 31),  # estimated "57 E"
    "CLISAD": (0, date(2021, 8, 6), None, 76),  # minimum only
    "CLIDSM": (0, date(2013, 8, 1), 89, 63),
    "CLIECP": (0, date(2014, 12, 29), 70, 62),  # preliminary "VALID TODAY", record period only
    "CLIMSO_2": (0, date(2015, 1, 9), None, 16),  # morning min-only, record-year continuations
    "CLIFMY": (0, date(2014, 12, 29), None, 63),  # morning min-only "VALID AS OF 0700 AM"
    "CLIOLF": (0, date(2014, 12, 29), 1, -6),  # no time column, record "MM", negative minimum
    "CLISEW": (0, date(2014, 12, 29), 44, 34),  # time given as "MM"
    "CLITCS": (0, date(2014, 12, 29), 60, 22),  # no record column
    "CLIEAR": (0, date(2014, 11, 13), 25, 5),  # preliminary, coop report appended after &&
    "CLIEST": (0, date(2014, 10, 12), 62, 33),  # "RRA" (delayed, not a correction), record MM
    "CLIFFC": (0, date(2014, 10, 3), 79, 67),  # preliminary "TODAY" as of 4 PM
    "CLILWD": (0, date(2017, 5, 29), 76, 55),  # a stray header line inside PRECIPITATION
    "CLIRDU": (0, date(2021, 3, 19), 57, 37),  # "57(E)"; a second "MAXIMUM TEMPERATURE... 59" block
    "CLICVG_tab": (0, date(2013, 5, 9), 81, 57),  # a tab inside the SNOWFALL block
}


def test_corpus_has_every_file_in_the_table() -> None:
    files = {p.stem for p in CORPUS.glob("CLI*.txt")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_product_parses_with_hand_read_values(name: str) -> None:
    index, day, maximum, minimum = EXPECTED[name]
    text = (CORPUS / f"{name}.txt").read_text()
    report = parse_cli_product(text)[index]
    assert (report.climate_date, report.max_f, report.min_f) == (day, maximum, minimum)


def test_multi_station_alaska_product_reads_every_station() -> None:
    reports = parse_cli_product((CORPUS / "CLIANC.txt").read_text())
    # hand-read: Anchorage, King Salmon, Kodiak, Bethel, Saint Paul Island, Cold Bay
    assert [(r.max_f, r.min_f) for r in reports] == [
        (23, 12),
        (22, 9),
        (31, 22),
        (10, -3),
        (29, 21),
        (33, 23),
    ]


def test_record_flags_after_the_value_are_read() -> None:
    alo = parse_cli_product((CORPUS / "CLIALO.txt").read_text())[0]
    assert alo.minimum is not None and alo.maximum is not None
    assert alo.minimum.record and not alo.maximum.record
    ann = parse_cli_product((CORPUS / "CLIANN.txt").read_text())[0]
    assert ann.maximum is not None and ann.maximum.record and ann.maximum.at_lst is not None


def test_preliminary_and_correction_flags() -> None:
    assert not parse_cli_product((CORPUS / "CLIALO.txt").read_text())[0].is_final
    assert parse_cli_product((CORPUS / "CLIABY.txt").read_text())[0].is_final
    assert parse_cli_product((CORPUS / "CLIEWN.txt").read_text())[0].is_correction


def test_truncated_product_is_a_parse_error() -> None:
    text = (CORPUS / "CLINYC.txt").read_text()
    cut = text[: text.index("TEMPERATURE")]
    with pytest.raises(ParseError):
        parse_cli_product(cut)


def test_month_summary_is_a_parse_error() -> None:
    clm = (
        "CDUS41 KOKX 010600\nCLMNYC\n\n"
        "...THE CENTRAL PARK NY CLIMATE SUMMARY FOR THE MONTH OF NOVEMBER 2026...\n"
    )
    with pytest.raises(ParseError):
        parse_cli_product(clm)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_reports_or_a_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_cli_product(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=4000), st.sampled_from(sorted(EXPECTED)))
def test_any_prefix_of_a_real_product_gives_reports_or_a_parse_error(cut: int, name: str) -> None:
    text = (CORPUS / f"{name}.txt").read_text()
    with contextlib.suppress(ParseError):
        parse_cli_product(text[:cut])
