"""Every boolean and number API setting: valid values load, typos stop the start naming
the setting and where the value came from (environment, file, flag)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.settings.entry import load_api_settings

BOOLS = ("fetch_through", "require_keys")
NUMBERS = ("key_rate_per_s", "upstream_timeout_s", "negative_ttl_s", "response_cache_mb")
VALID_BOOLS = [("true", True), ("false", False), ("1", True), ("off", False), ("YES", True)]
BAD_BOOLS = ("ture", "yes please", "", "2")
BAD_NUMBERS = ("1O", "ten", "")


@pytest.mark.parametrize("name", BOOLS)
@pytest.mark.parametrize(("text", "value"), VALID_BOOLS)
def test_valid_booleans_load(name: str, text: str, value: bool) -> None:
    settings = load_api_settings(env={f"KTAPE_API_{name.upper()}": text})
    assert getattr(settings, name) is value


@pytest.mark.parametrize("name", BOOLS)
@pytest.mark.parametrize("text", BAD_BOOLS)
def test_boolean_typos_in_the_environment_stop_the_start(name: str, text: str) -> None:
    var = f"KTAPE_API_{name.upper()}"
    with pytest.raises(ConfigError, match=f"api.{name}.*{var}"):
        load_api_settings(env={var: text})


@pytest.mark.parametrize("name", NUMBERS)
@pytest.mark.parametrize("text", BAD_NUMBERS)
def test_number_typos_in_the_environment_stop_the_start(name: str, text: str) -> None:
    var = f"KTAPE_API_{name.upper()}"
    with pytest.raises(ConfigError, match=f"api.{name}.*{var}"):
        load_api_settings(env={var: text})


@pytest.mark.parametrize("name", (*BOOLS, *NUMBERS))
def test_typos_in_the_file_name_the_file(name: str, tmp_path: Path) -> None:
    path = tmp_path / "ktape.yaml"
    path.write_text(f"api:\n  {name}: ture1O\n")
    with pytest.raises(ConfigError, match=f"api.{name}.*file {path}"):
        load_api_settings(env={}, config_file=path)


@pytest.mark.parametrize("name", (*BOOLS, *NUMBERS))
def test_typos_in_flags_name_the_flag(name: str) -> None:
    with pytest.raises(ConfigError, match=f"api.{name}.*flag"):
        load_api_settings({name: "1O ture"}, env={})


def test_valid_numbers_load() -> None:
    settings = load_api_settings(env={"KTAPE_API_UPSTREAM_TIMEOUT_S": "2.5"})
    assert settings.upstream_timeout_s == 2.5


def test_unknown_environment_variable_names_the_near_miss() -> None:
    with pytest.raises(ConfigError, match=r"KTAPE_API_REQUIRE_KEY.*KTAPE_API_REQUIRE_KEYS"):
        load_api_settings(env={"KTAPE_API_REQUIRE_KEY": "true"})


def test_unknown_keys_in_the_file_stop_the_start(tmp_path: Path) -> None:
    path = tmp_path / "ktape.yaml"
    path.write_text("api:\n  require_key: true\n")
    with pytest.raises(ConfigError, match=r"api.require_key.*unknown"):
        load_api_settings(env={}, config_file=path)
