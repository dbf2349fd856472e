"""Settings: defaults < YAML < environment < flags; documented URL pairs; secrets masked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.settings.core import DEFAULT_DB_URL, PRODUCTION_BASE_URL
from kalshi_tape.settings.load import load_settings
from kalshi_tape.settings.shared import DEMO_BASE_URL, Settings, ws_url_for
from tests.shared_data import SHARED

REFERENCE = SHARED / "reference/kalshi-api.md"
KEY_ID = "a952bcbe-ec3b-4b5b-b8f9-11dae589608c"


def _yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ktape.yaml"
    path.write_text(text)
    return path


def test_defaults() -> None:
    settings = load_settings(env={})
    assert settings == Settings()
    assert settings.base_url == PRODUCTION_BASE_URL
    assert settings.resolved_ws_url == "wss://external-api-ws.kalshi.com/trade-api/ws/v2"
    assert (settings.tier, settings.db_url, settings.has_credentials) == (
        "basic",
        DEFAULT_DB_URL,
        False,
    )


def test_precedence_defaults_yaml_env_flags(tmp_path: Path) -> None:
    config = _yaml(
        tmp_path,
        "base_url: http://yaml.example/trade-api/v2\ntier: advanced\ndb_url: duckdb:///yaml.db\n"
        "api_key_id: from-yaml\n",
    )
    env = {"KALSHI_BASE_URL": "http://env.example/trade-api/v2", "KTAPE_DB": "duckdb:///env.db"}
    flags = {"db_url": "postgresql://flag/db", "tier": None}  # None = flag not given
    settings = load_settings(flags, env=env, config_file=config)
    assert settings.tier == "advanced"  # YAML over default
    assert settings.api_key_id == "from-yaml"
    assert settings.base_url == "http://env.example/trade-api/v2"  # env over YAML
    assert settings.db_url == "postgresql://flag/db"  # flag over env
    assert settings.resolved_ws_url == "ws://env.example/trade-api/ws/v2"


def test_config_file_from_environment_variable(tmp_path: Path) -> None:
    config = _yaml(tmp_path, "environment: demo\n")
    settings = load_settings(env={"KTAPE_CONFIG": str(config)})
    assert settings.base_url == DEMO_BASE_URL
    assert settings.resolved_ws_url == "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"


def test_named_environment_obeys_precedence(tmp_path: Path) -> None:
    config = _yaml(tmp_path, "base_url: http://yaml.example/trade-api/v2\n")
    assert load_settings({"environment": "demo"}, env={}, config_file=config).base_url == (
        DEMO_BASE_URL
    )
    config = _yaml(tmp_path, "environment: demo\n")
    env = {"KALSHI_BASE_URL": "http://env.example/trade-api/v2"}
    assert load_settings(env=env, config_file=config).base_url == env["KALSHI_BASE_URL"]
    assert load_settings({"environment": "production"}, env={}).base_url == PRODUCTION_BASE_URL


def test_environment_credentials_and_key_path(tmp_path: Path) -> None:
    env = {"KALSHI_API_KEY_ID": KEY_ID, "KALSHI_PRIVATE_KEY_PATH": "~/keys/kalshi.pem"}
    settings = load_settings(env=env)
    assert settings.has_credentials
    assert settings.private_key_path == Path("~/keys/kalshi.pem").expanduser()
    assert settings.api_key_id == KEY_ID


def test_secrets_never_in_repr_or_describe(tmp_path: Path) -> None:
    pem = tmp_path / "key.pem"
    secret_body = "-----BEGIN PRIVATE KEY-----\nMIIEvSECRETSECRET\n-----END PRIVATE KEY-----\n"
    pem.write_text(secret_body)
    settings = load_settings({"api_key_id": KEY_ID, "private_key_path": str(pem)}, env={})
    shown = repr(settings) + str(settings) + repr(settings.describe())
    assert KEY_ID not in shown
    assert "MIIEvSECRETSECRET" not in shown
    assert settings.describe()["api_key_id"] == KEY_ID[:4] + "…"
    assert settings.describe()["private_key_path"] == str(pem)  # where, never what
    assert Settings(api_key_id="short").describe()["api_key_id"] == "…"
    assert Settings().describe()["api_key_id"] == "(not set)"


def _reference_pairs() -> list[tuple[str, str]]:
    """(REST, WS) pairs of kalshi-api.md §1's table, both columns."""
    table = re.findall(r"^\| ((?:prod|demo) (?:REST|WS)) \|(.*)$", REFERENCE.read_text(), re.M)
    urls = {name: re.findall(r"`([^`]+)`", rest) for name, rest in table}
    return [
        (rest, ws)
        for env in ("prod", "demo")
        for rest, ws in zip(urls[f"{env} REST"], urls[f"{env} WS"], strict=True)
    ]


def test_ws_url_for_every_documented_pair() -> None:
    pairs = _reference_pairs()
    assert len(pairs) == 4
    for rest, ws in pairs:
        assert ws_url_for(rest) == ws
        assert ws_url_for(rest + "/") == ws


@pytest.mark.parametrize(
    ("base", "ws"),
    [
        ("http://127.0.0.1:8765/trade-api/v2", "ws://127.0.0.1:8765/trade-api/ws/v2"),
        ("https://sim.local/trade-api/v2/", "wss://sim.local/trade-api/ws/v2"),
        ("http://localhost:9/proxy/trade-api/v2", "ws://localhost:9/proxy/trade-api/ws/v2"),
    ],
)
def test_ws_url_for_custom_hosts(base: str, ws: str) -> None:
    assert ws_url_for(base) == ws
    assert Settings(base_url=base).resolved_ws_url == ws


def test_explicit_ws_url_wins() -> None:
    settings = load_settings(env={"KALSHI_WS_URL": "ws://other:1/x"})
    assert settings.resolved_ws_url == "ws://other:1/x"


@pytest.mark.parametrize("base", ["ftp://x/trade-api/v2", "http://x/api", "not a url"])
def test_ws_url_for_rejects_underivable(base: str) -> None:
    with pytest.raises(ConfigError) as caught:
        ws_url_for(base)
    assert caught.value.key == "ws_url"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("bogus: 1\n", "bogus"),
        ("tier: gold\n", "tier"),
        ("environment: staging\n", "environment"),
        ("base_url: ftp://x\n", "base_url"),
        ("base_url: 5\n", "base_url"),
        ("ws_url: http://x/y\n", "ws_url"),
        ("- a list\n", "config_file"),
        ("key: [unclosed\n", "config_file"),
    ],
)
def test_bad_configuration_is_a_config_error(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env={}, config_file=_yaml(tmp_path, text))
    assert caught.value.key == key


def test_missing_file_unknown_flag_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_settings(env={}, config_file=tmp_path / "absent.yaml")
    with pytest.raises(ConfigError) as caught:
        load_settings({"colour": "blue"}, env={})
    assert caught.value.key == "colour"
    assert load_settings(env={}, config_file=_yaml(tmp_path, "")) == Settings()


def test_named_constructors() -> None:
    assert Settings.production().base_url == PRODUCTION_BASE_URL
    assert Settings.demo().resolved_ws_url == "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:hunter2@h:5432/db", "postgresql://u:***@h:5432/db"),
        (
            "postgresql://u@h/db?password=hunter2&sslmode=require",
            "postgresql://u@h/db?password=***&sslmode=require",
        ),
        ("host=h user=u password=hunter2 dbname=db", "host=h user=u password=*** dbname=db"),
        ("host=h password='hun ter2' dbname=db", "host=h password=*** dbname=db"),
        ("duckdb:///data/kalshi.duckdb", "duckdb:///data/kalshi.duckdb"),
        ("postgresql://postgres@127.0.0.1:5432/k", "postgresql://postgres@127.0.0.1:5432/k"),
        (
            "postgresql:///db?host=/tmp&password=hunter2&sslmode=require",
            "postgresql:///db?host=/tmp&password=***&sslmode=require",
        ),
        ("postgresql://u:hunter2@[::1/db", "postgresql://u:***@[::1/db"),
        ("postgresql://u:hunter2@[::1]:5432/db", "postgresql://u:***@[::1]:5432/db"),
        ("postgresql://u@h/db?sslmode", "postgresql://u@h/db?sslmode"),
    ],
)
def test_database_passwords_never_show(url: str, shown: str) -> None:
    from kalshi_tape.settings.redact import redact_url

    assert redact_url(url) == shown
    settings = Settings(db_url=url)
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.describe())


@pytest.mark.postgres
def test_a_store_location_and_connect_error_hide_the_password() -> None:
    from kalshi_tape.core.errors import StorageError
    from kalshi_tape.storage import open_store

    url = "postgresql://postgres:hunter2@127.0.0.1:5432/ktape_no_such_database_x"
    with pytest.raises(StorageError) as failure:
        open_store(url)
    assert "hunter2" not in str(failure.value) and "***" in str(failure.value)
