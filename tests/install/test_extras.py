"""A command whose optional extra is missing names the extra: one line, exit 1, no
traceback. The missing packages are hidden from a child interpreter by an import hook, so
the real `ktape` entry point runs exactly as it would in a core-only install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kalshi_tape.cli.extras import COMMAND_EXTRAS, extra_for

# Runs `ktape ARGS` with the named top-level packages made unimportable.
HIDE_AND_RUN = """
import sys
hidden = set(sys.argv[1].split(","))

class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in hidden:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Hide())
from kalshi_tape.cli.main import main
main(sys.argv[2:], prog_name="ktape")
"""

API_PACKAGES = "fastapi,pydantic,polars"
BACKTEST_PACKAGES = "plotly,sklearn,scipy,polars"


def ktape_without(hidden: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HIDE_AND_RUN, hidden, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        env={"KTAPE_CONFIG": "", "PATH": "/usr/bin:/bin"},
    )


def assert_one_line_naming(result: subprocess.CompletedProcess[str], extra: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"pip install 'kalshi-tape[{extra}]'" in lines[0]


@pytest.mark.parametrize(
    ("hidden", "args", "extra"),
    [
        (API_PACKAGES, ["serve"], "api"),
        (API_PACKAGES, ["serve", "--port", "8123", "--help"], "api"),
        (API_PACKAGES, ["apikey", "list"], "api"),
        (BACKTEST_PACKAGES, ["backtest", "--series", "KXHIGHNY"], "backtest"),
        (BACKTEST_PACKAGES, ["paper", "report"], "backtest"),
        ("metar", ["weather", "stations"], "weather"),
    ],
)
def test_a_command_without_its_extra_names_it(
    hidden: str, args: list[str], extra: str, tmp_path: Path
) -> None:
    assert_one_line_naming(ktape_without(hidden, *args, cwd=tmp_path), extra)
    assert list(tmp_path.iterdir()) == []


def test_a_postgres_url_without_psycopg_names_the_postgres_extra(tmp_path: Path) -> None:
    url = "postgresql://postgres@127.0.0.1:5432/none"
    result = ktape_without("psycopg,psycopg_pool", "db", "init", "--db", url, cwd=tmp_path)
    assert_one_line_naming(result, "postgres")


def test_help_still_lists_every_command_in_a_core_install(tmp_path: Path) -> None:
    hidden = ",".join({API_PACKAGES, BACKTEST_PACKAGES, "metar", "psycopg"})
    result = ktape_without(hidden, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for command in COMMAND_EXTRAS:
        assert f"  {command.split()[0]} " in result.stdout
    assert "needs the 'api' extra" in result.stdout


def test_an_unknown_missing_module_is_not_blamed_on_an_extra() -> None:
    assert extra_for("kalshi_tape.nothing", "serve") is None
    assert extra_for(None, "serve") is None
    assert extra_for("polars", "serve") == "api"
    assert extra_for("polars", "backtest") == "backtest"
    assert extra_for("psycopg.sql", "backfill") == "postgres"


def test_a_subcommand_without_its_extra_leaves_the_rest_of_its_group(tmp_path: Path) -> None:
    listed = ktape_without(BACKTEST_PACKAGES, "import", "--help", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "quotes" in listed.stdout
    refused = ktape_without(BACKTEST_PACKAGES, "import", "quotes", "x.csv", cwd=tmp_path)
    assert_one_line_naming(refused, "backtest")
