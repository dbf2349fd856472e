"""The settings table: every boolean, number and URL field of the settings models, from
every source. Valid values load; typos stop the start with one line naming the setting and
where the value came from. Parametrised over the models' fields: a new field is covered."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from functools import partial
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from annotated_types import Ge, Gt, Le, Lt
from pydantic import AfterValidator
from pydantic.fields import FieldInfo

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.settings import (
    MODELS,
    BackfillModel,
    CoreModel,
    PaperModel,
    WeatherModel,
    load_api_settings,
    load_collector_config,
    load_section,
    load_settings,
)
from kalshi_tape.settings.core import ENV_NAMES

TYPOS = ("ture", "yes please", "1O")
# free-text fields: any string is valid (checked elsewhere: tier, secrets, origins, tickers)
FREE_TEXT = {"api_key_id", "private_key_path", "tier", "db_url", "visual_crossing_key"}
FREE_TEXT_SECTIONS = {
    # redis_url: test_redis_setting.py
    "api": {"host", "forwarded_allow_ips", "cors_origins", "redis_url", "flight_prefix"},
    # tickers, shard, windows: tests/collector/test_units.py
    "collector": {"events", "series", "shard", "interval_overrides", "spool_dir", "metrics_host"},
    "paper": set(),
    "backfill": {"periods"},  # tests/settings/test_sections.py
    "weather": {"cache_dir"},
}


def load_collector(flags: dict[str, Any] | None = None, **sources: Any) -> Any:
    """`ktape collect` needs something to collect (and a fleet PostgreSQL)."""
    path = sources.pop("config_file", None)
    every = {"series": ("KXHIGHNY",), "db": "postgresql://h/x", **(flags or {})}
    return load_collector_config(path, flags=every, **sources)


LOADERS: dict[str, Callable[..., Any]] = {
    "api": load_api_settings,
    "collector": load_collector,
    **{m.section: partial(load_section, m) for m in (PaperModel, BackfillModel, WeatherModel)},
}


def bare(annotation: Any) -> Any:
    """`int` for `Annotated[int, ...] | None`."""
    if get_origin(annotation) is Annotated:
        return bare(get_args(annotation)[0])
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (Union, UnionType) and len(args) == 1:
        return bare(args[0])
    return annotation


def kind(info: FieldInfo) -> str:
    annotation = bare(info.annotation)
    names = {bool: "bool", int: "integer", float: "number", Decimal: "number"}
    if annotation in names:
        return names[annotation]
    urls = [m for m in info.metadata if isinstance(m, AfterValidator)]
    if urls or "Url" in str(info.annotation):
        return "ws" if "ws_url" in str(info.annotation) or info.default is None else "url"
    return "text"


RANGE = {Ge: ("ge", float.__ge__), Gt: ("gt", float.__gt__), Le: ("le", float.__le__),
         Lt: ("lt", float.__lt__)}  # fmt: skip


def limits(metadata: Iterable[Any]) -> Iterator[Any]:
    """The range annotations of a field, also those of `X` in `X | None`."""
    for item in metadata:
        if isinstance(item, FieldInfo):
            yield from limits(item.metadata)
        elif isinstance(item, tuple(RANGE)):
            yield item


def inside(info: FieldInfo, x: float) -> bool:
    found = list(limits(info.metadata))
    for arg in get_args(info.annotation):
        found += limits(getattr(arg, "__metadata__", ()))
    return all(RANGE[type(m)][1](float(x), getattr(m, RANGE[type(m)][0])) for m in found)


def valid_values(info: FieldInfo, field_kind: str) -> list[tuple[Any, Any]]:
    """(text in the environment or a flag, the loaded value): two inside the range."""
    numbers = {"integer": [7, 12, 3, 41], "number": [0.75, 0.25, 2.5, 7.0, 12.5]}
    if field_kind in numbers:
        fits = [x for x in numbers[field_kind] if inside(info, x)][:2]
        assert len(fits) == 2, f"no test values inside the range of {info}"
        return [(str(x), x) for x in fits]
    table: dict[str, list[tuple[Any, Any]]] = {
        "bool": [("true", True), ("false", False), ("1", True), ("off", False), ("YES", True)],
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
    for model in MODELS:
        for name in model.model_fields:
            if name not in FREE_TEXT_SECTIONS[model.section]:
                key = f"{model.section}.{name}"
                yield key, name, model.env_names()[name], LOADERS[model.section]


def info_of(key: str) -> FieldInfo:
    section, _, name = key.rpartition(".")
    model = next((m for m in MODELS if m.section == section), CoreModel)
    return model.model_fields[name]


def field_kind(key: str) -> str:
    return "ws" if key == "ws_url" else kind(info_of(key))


def values_of(key: str) -> list[tuple[Any, Any]]:
    return valid_values(info_of(key), field_kind(key))


def ids(case: Case) -> str:
    return case[0]


CASES = list(cases())


def test_every_field_is_classified() -> None:
    for key, _, _, _ in CASES:
        assert field_kind(key) != "text", f"{key}: add it to the table or to FREE_TEXT"


def test_every_section_and_kind_is_in_the_table() -> None:
    sections = {key.rpartition(".")[0] for key, *_ in CASES}
    assert sections == {"", "api", "collector", "paper", "backfill", "weather"}
    assert {field_kind(key) for key, *_ in CASES} == {"bool", "integer", "number", "url", "ws"}


def write(tmp_path: Path, key: str, value: Any) -> Path:
    path = tmp_path / "ktape.yaml"
    section, _, name = key.rpartition(".")
    line = f"{name}: {value}" if not isinstance(value, str) else f"{name}: '{value}'"
    path.write_text(f"{section}:\n  {line}\n" if section else f"{line}\n")
    return path


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_valid_values_load_from_every_source(case: Case, tmp_path: Path) -> None:
    key, name, var, load = case
    for text, value in values_of(key):
        assert getattr(load(env={var: text}), name) == value
        assert getattr(load({name: text}, env={}), name) == value
        file_value = value if field_kind(key) != "bool" else text
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
    (low, _), *_, (high, high_value) = values_of(key)
    path = write(tmp_path, key, low)
    assert getattr(load({name: high}, env={var: low}, config_file=path), name) == high_value
    assert getattr(load(env={var: high}, config_file=path), name) == high_value


NUMBER_CASES = [c for c in CASES if field_kind(c[0]) in ("number", "integer")]


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
    for model in MODELS:
        for name, var in model.env_names().items():
            assert f"| `{name}` |" in doc and var in doc, f"{model.section}.{name}"
