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


def _exported_collector_metrics() -> set[str]:
    """Every name the collector's registry exposes (a counter `x` is scraped as `x_total`)."""
    from kalshi_tape.collector.metrics import CollectorMetrics

    names = set()
    for family in CollectorMetrics().registry.collect():
        names.add(family.name + "_total" if family.type == "counter" else family.name)
    return names


def test_every_collector_metric_is_in_collector_md() -> None:
    doc = (ROOT / "docs" / "collector.md").read_text()
    in_doc = set(re.findall(r"`(ktape_collect_[a-z0-9_]+)", doc))
    exported = _exported_collector_metrics()
    source = "\n".join(p.read_text() for p in (ROOT / "src/kalshi_tape/collector").rglob("*.py"))
    literals = set(re.findall(r"\"(ktape_collect_[a-z0-9_]+)\"", source))
    assert exported - in_doc == set(), "collector metrics missing from docs/collector.md"
    assert {n for n in literals if not any(d.startswith(n) for d in in_doc)} == set()
    assert in_doc - exported == set(), "docs/collector.md names metrics the code lacks"
