"""Bad input gives a clear, typed error: in the library a `KtapeError` subclass naming what
was wrong, through `ktape weather settle-check` one line, a non-zero exit, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kalshi_tape.cli.main import main
from kalshi_tape.core.errors import ConfigError, ParseError
from kalshi_tape.weather.climate_report import parse_cli_product, split_products
from kalshi_tape.weather.sites import site_for

CORPUS = Path(__file__).parent.parent / "data" / "cli"


def _nyc() -> str:
    return (CORPUS / "CLINYC.txt").read_text()


@pytest.mark.parametrize(
    ("cut_before", "reason"),
    [
        ("TEMPERATURE", "no TEMPERATURE section"),
        ("  MAXIMUM", "neither a MAXIMUM nor a MINIMUM"),
        ("...THE CENTRAL PARK", "CLIMATE SUMMARY"),
    ],
)
def test_a_truncated_product_is_a_parse_error_saying_what_is_missing(
    cut_before: str, reason: str
) -> None:
    text = _nyc()
    with pytest.raises(ParseError, match=reason):
        parse_cli_product(text[: text.index(cut_before)])


def test_a_truncated_archive_download_is_a_parse_error() -> None:
    archive = "\x01\n" + _nyc() + "\n\x03\n\x01\n" + _nyc()[:500]
    with pytest.raises(ParseError, match="truncated"):
        split_products(archive)


def test_a_real_cf6_product_is_refused_by_name() -> None:
    # CF6DSM: the monthly F-6 table, a different product with MAX/MIN columns (SOURCES.md)
    with pytest.raises(ParseError, match="CF6DSM is not a daily climate report"):
        parse_cli_product((CORPUS / "CF6DSM_empty.txt").read_text())


def test_a_month_summary_is_refused_as_such() -> None:
    clm = (
        _nyc()
        .replace("CLINYC", "CLMNYC")
        .replace(
            "CLIMATE SUMMARY FOR JANUARY 2 2013", "CLIMATE SUMMARY FOR THE MONTH OF JANUARY 2013"
        )
    )
    with pytest.raises(ParseError, match=r"monthly climate summary \(CLM\)"):
        parse_cli_product(clm)


@pytest.mark.parametrize("name", ["KXYZ", "KXHIGHXYZ", "KXLOWTXYZ", "CLIXYZ"])
def test_an_unknown_station_or_series_is_a_config_error(name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        site_for(name)


@pytest.mark.parametrize("series", ["KXHIGHXYZ", "KXLOWTXYZ", "NOPE"])
def test_settle_check_refuses_an_unknown_series_in_one_line(tmp_path: Path, series: str) -> None:
    db = f"duckdb:///{tmp_path / 'w.duckdb'}"
    args = ["weather", "settle-check", "--series", series, "--start", "2025-12-01",
            "--end", "2025-12-02", "--db", db]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and series in lines[0] and "Traceback" not in result.output
    assert not (tmp_path / "w.duckdb").exists()  # refused before anything was opened
