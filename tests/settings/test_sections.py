"""The sections of the one settings file (`api:`, `collector:`, `paper:`, `backfill:`,
`weather:`): unknown keys and flags stop the start, the whole file is checked by every
command, the list-valued settings parse the same from every source, and the precedence
holds for any mix of sources (a property test)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.settings import (
    MODELS,
    BackfillModel,
    CollectorModel,
    WeatherModel,
    load_collector_config,
    load_section,
    load_settings,
)

SECTIONS = [model.section for model in MODELS]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ktape.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.section)
def test_an_unknown_key_in_a_section_names_it_and_the_near_miss(
    model: type[CollectorModel], tmp_path: Path
) -> None:
    name = next(iter(model.model_fields))
    path = write(tmp_path, f"{model.section}:\n  {name}x: 1\n")
    with pytest.raises(ConfigError) as caught:
        load_section(model, env={}, config_file=path)
    message = str(caught.value)
    assert caught.value.key == f"{model.section}.{name}x", message
    assert f"file {path}, key {model.section}.{name}x" in message
    assert f"did you mean {name}?" in message


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.section)
def test_an_unknown_flag_names_the_flag(model: type[CollectorModel]) -> None:
    with pytest.raises(ConfigError, match=r"unknown setting \(from flag --nope\)"):
        load_section(model, {"nope": 1}, env={})


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.section)
def test_a_misspelled_variable_suggests_the_real_one(model: type[CollectorModel]) -> None:
    var = next(iter(model.env_names().values()))
    with pytest.raises(ConfigError, match=f"{var[:-1]}: unknown environment variable.*{var}"):
        load_settings(env={var[:-1]: "1"})


@pytest.mark.parametrize("section", SECTIONS)
def test_every_command_checks_every_section_of_the_file(section: str, tmp_path: Path) -> None:
    """A typo in `weather:` stops `ktape collect`, and so on: the file is checked whole."""
    model = next(m for m in MODELS if m.section == section)
    name = next(
        n
        for n, f in model.model_fields.items()
        if f.annotation is bool or "int" in str(f.annotation)
    )
    path = write(tmp_path, f"{section}:\n  {name}: ture\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(env={}, config_file=path)
    assert caught.value.key == f"{section}.{name}"


@pytest.mark.parametrize(
    ("source", "value"),
    [("env", "60,1"), ("flag", ("60", "1")), ("file", "[60, 1]"), ("file", "'60,1'")],
)
def test_backfill_periods_from_every_source(source: str, value: object, tmp_path: Path) -> None:
    if source == "env":
        model = load_section(BackfillModel, env={"KTAPE_BACKFILL_PERIODS": str(value)})
    elif source == "flag":
        model = load_section(BackfillModel, {"periods": value}, env={})
    else:
        path = write(tmp_path, f"backfill:\n  periods: {value}\n")
        model = load_section(BackfillModel, env={}, config_file=path)
    assert model.periods == (60, 1)


@pytest.mark.parametrize(
    ("value", "origin"),
    [("5", "environment KTAPE_BACKFILL_PERIODS"), ("1O", "environment"), ("", "environment")],
)
def test_bad_backfill_periods_stop_the_start(value: str, origin: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_section(BackfillModel, env={"KTAPE_BACKFILL_PERIODS": value})
    assert caught.value.key == "backfill.periods" and origin in str(caught.value)


def test_periods_by_flag_name_the_flag() -> None:
    with pytest.raises(ConfigError, match=r"from flag --period\)"):
        load_section(BackfillModel, {"periods": ("7",)}, env={})


def test_paths_expand_and_empty_ones_stop_the_start() -> None:
    model = load_section(WeatherModel, env={"KTAPE_WEATHER_CACHE_DIR": "~/wx"})
    assert model.cache_dir == Path("~/wx").expanduser()
    with pytest.raises(ConfigError, match=r"weather\.cache_dir.*empty path"):
        load_section(WeatherModel, env={"KTAPE_WEATHER_CACHE_DIR": ""})


@pytest.mark.parametrize(
    ("text", "key"),
    [("KXHIGHNY,kxhighchi", ("KXHIGHNY", "KXHIGHCHI")), ("KXHIGHNY, KXHIGHNY", ("KXHIGHNY",))],
)
def test_ticker_lists_from_the_environment(text: str, key: tuple[str, ...]) -> None:
    config = load_collector_config(env={"KTAPE_COLLECTOR_SERIES": text})
    assert config.series == key


def test_a_bad_ticker_names_the_flag() -> None:
    with pytest.raises(ConfigError, match=r"collector\.events.*from flag --event\).*not a ticker"):
        load_collector_config(flags={"events": ("bad ticker!",)}, env={})


LAYER = st.one_of(st.none(), st.integers(min_value=1, max_value=10**6))


@settings(max_examples=60, deadline=None)
@given(file=LAYER, env=LAYER, flag=LAYER)
def test_the_highest_source_present_wins(
    file: int | None, env: int | None, flag: int | None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """flag > environment > file > default, for any mix of sources."""
    path = tmp_path_factory.mktemp("cfg") / "ktape.yaml"
    path.write_text("" if file is None else f"collector:\n  flush_max_rows: {file}\n")
    environ = {} if env is None else {"KTAPE_COLLECTOR_FLUSH_MAX_ROWS": str(env)}
    model = load_section(CollectorModel, {"flush_max_rows": flag}, env=environ, config_file=path)
    expected = next((v for v in (flag, env, file) if v is not None), 20_000)
    assert model.flush_max_rows == expected


WINDOW = st.tuples(
    st.integers(0, 23), st.integers(0, 59), st.integers(0, 23), st.integers(0, 59),
    st.integers(1, 3600),
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(windows=st.lists(WINDOW, min_size=1, max_size=4))
def test_interval_windows_read_the_same_as_text_and_as_a_list(
    windows: list[tuple[int, int, int, int, int]],
) -> None:
    text = ",".join(f"{a:02d}:{b:02d}-{c:02d}:{d:02d}={s}" for a, b, c, d, s in windows)
    listed = [
        {"from": f"{a:02d}:{b:02d}", "to": f"{c:02d}:{d:02d}", "interval_seconds": s}
        for a, b, c, d, s in windows
    ]
    from_env = load_section(CollectorModel, env={"KTAPE_COLLECTOR_INTERVAL_OVERRIDES": text})
    from_code = CollectorModel(interval_overrides=listed)  # type: ignore[arg-type]
    assert from_env.interval_overrides == from_code.interval_overrides
    assert [w.interval_seconds for w in from_env.interval_overrides] == [w[4] for w in windows]
