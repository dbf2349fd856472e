"""The settings table: every boolean, number and URL field of the settings models, from
every source. Valid values load; typos stop the start with one line naming the setting and
where the value came from. Parametrised over the models' fields: a new field is covered."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import AfterValidator
from pydantic.fields import FieldInfo

from kalshi_tape.errors import ConfigError
from kalshi_tape.settings import ApiModel, CoreModel
from kalshi_tape.settings.core import ENV_NAMES
from kalshi_tape.settings.entry import load_api_settings
from kalshi_tape.settings.load import load_settings

TYPOS = ("ture", "yes please", "1O")
# free-text fields: any string is valid (checked elsewhere: tier, secrets, origins)
FREE_TEXT = {"api_key_id", "private_key_path", "tier", "db_url", "visual_crossing_key"}
FREE_TEXT_API = {"cors_origins", "redis_url", "flight_prefix"}  # redis_url: test_redis_setting.py


def kind(info: FieldInfo) -> str:
    if info.annotation is bool:
        return "bool"
    if info.annotation is int:
        return "integer"
    if info.annotation is float:
        return "number"
    urls = [m for m in info.metadata if isinstance(m, AfterValidator)]
    if urls or "Url" in str(info.annotation):
        return "ws" if "ws_url" in str(info.annotation) or info.default is None else "url"
    return "text"


def valid_values(field_kind: str) -> list[tuple[Any, Any]]:
    """(text in the environment or a flag, the loaded value)."""
    table: dict[str, list[tuple[Any, Any]]] = {
        "bool": [("true", True), ("false", False), ("1", True), ("off", False), ("YES", True)],
        "integer": [("7", 7), ("41", 41)],
        "number": [("0.75", 0.75), ("0.25", 0.25)],
        "url": [
            ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
            ("https://h.org", "https://h.org"),
        ],
        "ws": [
            ("ws://127.0.0.1:8123/ws", "ws://127.0.0.1:8123/ws"),
            ("wss://h.org/x", "wss://h.org/x"),
        ],
    }
    return table[field_kind]


Case = tuple[str, str, str, Callable[..., Any]]  # (key in errors, field, env var, loader)


def cases() -> Iterator[Case]:
    for name in CoreModel.model_fields:
        if name not in FREE_TEXT:
            yield name, name, ENV_NAMES[name], load_settings
    for name in ApiModel.model_fields:
        if name not in FREE_TEXT_API:
            yield f"api.{name}", name, ApiModel.env_names()[name], load_api_settings


def field_kind(name: str) -> str:
    info = CoreModel.model_fields.get(name) or ApiModel.model_fields[name]
    return "ws" if name == "ws_url" else kind(info)


def ids(case: Case) -> str:
    return case[0]


CASES = list(cases())


def test_every_field_is_classified() -> None:
    for _, name, _, _ in CASES:
        assert field_kind(name) != "text", f"{name}: add it to the table or to FREE_TEXT"


def write(tmp_path: Path, key: str, value: Any) -> Path:
    path = tmp_path / "ktape.yaml"
    section, _, name = key.rpartition(".")
    line = f"{name}: {value!r}" if not isinstance(value, str) else f"{name}: '{value}'"
    path.write_text(f"{section}:\n  {line}\n" if section else f"{line}\n")
    return path


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_valid_values_load_from_every_source(case: Case, tmp_path: Path) -> None:
    key, name, var, load = case
    for text, value in valid_values(field_kind(name)):
        assert getattr(load(env={var: text}), name) == value
        assert getattr(load({name: text}, env={}), name) == value
        file_value = value if field_kind(name) != "bool" else text
        assert getattr(load(env={}, config_file=write(tmp_path, key, file_value)), name) == value


@pytest.mark.parametrize("typo", TYPOS)
@pytest.mark.parametrize("case", CASES, ids=ids)
def test_typos_in_the_environment_name_the_variable(case: Case, typo: str) -> None:
    key, _, var, load = case
    with pytest.raises(ConfigError) as caught:
        load(env={var: typo})
    message = str(caught.value)
    assert caught.value.key == key and f"environment {var}" in message, message
    assert "\n" not in message


@pytest.mark.parametrize("typo", TYPOS)
@pytest.mark.parametrize("case", CASES, ids=ids)
def test_typos_in_the_file_name_the_file_and_key(case: Case, typo: str, tmp_path: Path) -> None:
    key, _, _, load = case
    path = write(tmp_path, key, typo)
    with pytest.raises(ConfigError) as caught:
        load(env={}, config_file=path)
    assert caught.value.key == key and f"file {path}, key {key}" in str(caught.value)


@pytest.mark.parametrize("typo", TYPOS)
@pytest.mark.parametrize("case", CASES, ids=ids)
def test_typos_in_flags_name_the_flag(case: Case, typo: str) -> None:
    key, name, _, load = case
    with pytest.raises(ConfigError) as caught:
        load({name: typo}, env={})
    flag = "--" + name.replace("_", "-")
    assert caught.value.key == key and f"flag {flag}" in str(caught.value)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_a_later_source_wins(case: Case, tmp_path: Path) -> None:
    """flag > environment > file > default."""
    key, name, var, load = case
    (low, _), *_, (high, high_value) = valid_values(field_kind(name))
    path = write(tmp_path, key, low)
    assert getattr(load({name: high}, env={var: low}, config_file=path), name) == high_value
    assert getattr(load(env={var: high}, config_file=path), name) == high_value


NUMBER_CASES = [c for c in CASES if field_kind(c[1]) in ("number", "integer")]


@pytest.mark.parametrize("case", NUMBER_CASES, ids=ids)
def test_numbers_out_of_range_stop_the_start(case: Case) -> None:
    key, _, var, load = case
    with pytest.raises(ConfigError) as caught:
        load(env={var: "-1"})
    assert caught.value.key == key and f"environment {var}" in str(caught.value)


@pytest.mark.parametrize(
    ("load", "var", "near"),
    [
        (load_api_settings, "KTAPE_API_REQUIRE_KEY", "KTAPE_API_REQUIRE_KEYS"),
        (load_settings, "KTAPE_IEM_ULR", "KTAPE_IEM_URL"),
        (load_settings, "KTAPE_API_LIVE_TTL", "KTAPE_API_LIVE_TTL_S"),
    ],
)
def test_unknown_environment_names_suggest_the_near_miss(
    load: Callable[..., Any], var: str, near: str
) -> None:
    with pytest.raises(ConfigError, match=f"{var}: unknown environment variable.*{near}"):
        load(env={var: "1"})


@pytest.mark.parametrize(
    ("text", "key"), [("bogus: 1\n", "bogus"), ("api:\n  require_key: true\n", "api.require_key")]
)
def test_unknown_keys_in_the_file_stop_the_start(text: str, key: str, tmp_path: Path) -> None:
    path = tmp_path / "ktape.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_api_settings(env={}, config_file=path)
    assert caught.value.key == key and str(path) in str(caught.value)


def test_unknown_flags_stop_the_start() -> None:
    with pytest.raises(ConfigError, match=r"api\.require_key: unknown.*require_keys"):
        load_api_settings({"require_key": True}, env={})


def test_secrets_are_never_shown() -> None:
    env = {"KTAPE_DB": "postgresql://u:s3cret@h/db", "VISUAL_CROSSING_KEY": "s3cretkey"}
    settings = load_settings(env=env)
    assert "s3cret" not in repr(settings)
    model = CoreModel(db_url="postgresql://u:s3cret@h/db")  # type: ignore[arg-type]
    assert "s3cret" not in repr(model) and "s3cret" not in str(model.model_dump())


def test_the_configuration_doc_names_every_setting() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text()
    for name in CoreModel.model_fields:
        assert f"`{name}`" in doc and ENV_NAMES[name] in doc, name
    for name in ApiModel.model_fields:
        assert f"| `{name}` |" in doc, name
