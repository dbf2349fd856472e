"""API settings: YAML `api:` mapping < KTAPE_API_* environment < flags; bad values refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.settings.api import settings_from_json, settings_to_json
from kalshi_tape.settings.entry import load_api_settings
from kalshi_tape.settings.load import load_settings


def test_layers_and_round_trip(tmp_path: Path) -> None:
    config = tmp_path / "ktape.yaml"
    config.write_text(
        "db_url: duckdb:///x.duckdb\ntier: advanced\n"
        "api:\n  require_keys: true\n  live_ttl_s: 60\n  cors_origins: [https://a.org]\n"
    )
    env = {"KTAPE_API_LIVE_TTL_S": "90", "KTAPE_API_CORS_ORIGINS": "https://b.org,https://c.org"}
    settings = load_api_settings({"key_burst": 7}, env=env, config_file=config)
    assert settings.require_keys is True
    assert settings.live_ttl_s == 90.0
    assert settings.cors_origins == ("https://b.org", "https://c.org")
    assert settings.key_burst == 7
    assert settings.kalshi.tier == "advanced" and settings.db_url == "duckdb:///x.duckdb"
    assert settings_from_json(settings_to_json(settings)) == settings
    # the shared loader accepts the file too: it skips the `api:` mapping
    assert load_settings(env={}, config_file=config).tier == "advanced"


def test_bad_values_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown setting"):
        load_api_settings({"nope": 1}, env={})
    with pytest.raises(ConfigError, match="bad value"):
        load_api_settings({"live_ttl_s": "soon"}, env={})
    with pytest.raises(ConfigError, match="greater than 0"):
        load_api_settings({"upstream_timeout_s": 0}, env={})
