"""Adversarial variants of real CLI products (review of issue 19): each edit is one an NWS
office could make; the parser must read the value it states or raise ParseError."""

from __future__ import annotations

from pathlib import Path

import pytest

from kalshi_tape.weather.climate_report import parse_cli_product

CORPUS = Path(__file__).parent.parent / "data" / "cli"
NYC = (CORPUS / "CLINYC.txt").read_text().replace("\r", "")


@pytest.mark.parametrize("name", ["COEUR D'ALENE ID", "ST. MARY'S", "DALLAS/FT WORTH & DFW"])
def test_station_names_with_apostrophes_or_ampersands_are_read(name: str) -> None:
    report = parse_cli_product(NYC.replace("CENTRAL PARK NY", name))[0]
    assert (report.station_name, report.max_f, report.min_f) == (name, 33, 22)
