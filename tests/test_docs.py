"""The docs stay in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from kalshi_tape.cli.main import main
from kalshi_tape.cli.reference import render_cli_reference

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_matches_the_code() -> None:
    on_disk = (ROOT / "docs" / "cli.md").read_text()
    assert on_disk == render_cli_reference(), "docs/cli.md is stale: run `make docs`"


def test_every_command_is_in_help_and_in_the_reference() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    reference = (ROOT / "docs" / "cli.md").read_text()
    for name in main.list_commands(None):  # type: ignore[arg-type]
        assert re.search(rf"^\s+{name}\s+\S", result.output, re.M), f"{name} missing from --help"
        assert f"`ktape {name}`" in reference


def test_readme_names_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
