"""Every error in the YAML settings file names the file (and, for syntax, the line)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kalshi_tape.cli.main import main
from kalshi_tape.core.errors import ConfigError
from kalshi_tape.settings.load import load_settings


@pytest.mark.parametrize(
    ("text", "key", "detail"),
    [
        ("tier: gold\n", "tier", "'gold'"),
        ("environment: staging\n", "environment", "'staging'"),
        ("base_url: ftp://x\n", "base_url", "ftp://x"),
        ("private_key_path: 5\n", "private_key_path", "not a string"),
        ("db_url: [a, b]\n", "db_url", "not a string"),
        ("tier: basic\nws_url: http://x/y\n", "ws_url", "http://x/y"),
        ("tier: basic\nkey: [unclosed\n", "config_file", "line 3"),
    ],
)
def test_a_bad_value_names_the_file(tmp_path: Path, text: str, key: str, detail: str) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(env={}, config_file=path)
    message = str(caught.value)
    assert caught.value.key == key
    assert str(path) in message and detail in message, message
    assert "\n" not in message and "<unicode string>" not in message


def test_a_value_overridden_by_the_environment_does_not_blame_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("tier: basic\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"KALSHI_TIER": "gold"}, config_file=path)
    assert str(path) not in str(caught.value)


def test_a_folder_given_as_the_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env={}, config_file=tmp_path)
    assert str(tmp_path) in str(caught.value)


def test_the_cli_prints_one_line_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ktape.yaml"
    path.write_text("tier: gold\n")
    result = CliRunner().invoke(
        main, ["db", "info", "--db", "duckdb:///:memory:"], env={"KTAPE_CONFIG": str(path)}
    )
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and str(path) in result.stderr, result.stderr
