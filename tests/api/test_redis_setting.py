"""KTAPE_REDIS_URL: valid URLs load, anything else stops the start naming the variable."""

from __future__ import annotations

import pytest

from kalshi_tape.api.singleflight import LocalFlight, shared_flight
from kalshi_tape.api.singleflight.postgres import PostgresFlight
from kalshi_tape.api.singleflight.redis import RedisFlight
from kalshi_tape.core.clock import SYSTEM_CLOCK
from kalshi_tape.core.errors import ConfigError
from kalshi_tape.settings.entry import load_api_settings


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:6379/0", "rediss://:pw@cache.example:6380", "unix:///run/r.sock"]
)
def test_valid_redis_urls_load(url: str) -> None:
    settings = load_api_settings(env={"KTAPE_REDIS_URL": url})
    assert settings.redis_dsn == url
    assert "pw" not in repr(settings)
    assert isinstance(shared_flight(settings, SYSTEM_CLOCK), RedisFlight)


@pytest.mark.parametrize(
    "url",
    ["ture", "http://127.0.0.1:6379", "redis://127.0.0.1:63 79", "redis://h:1O/0", "redis://"],
)
def test_bad_redis_urls_stop_the_start(url: str) -> None:
    with pytest.raises(ConfigError, match="KTAPE_REDIS_URL"):
        load_api_settings(env={"KTAPE_REDIS_URL": url})


def test_a_bad_url_never_shows_its_password() -> None:
    with pytest.raises(ConfigError) as caught:
        load_api_settings(env={"KTAPE_REDIS_URL": "redis://:hunter2@h:port"})
    assert "hunter2" not in str(caught.value)


def test_engine_picks_the_flight() -> None:
    pg = load_api_settings({}, {"db_url": "postgresql://postgres@127.0.0.1:5432/x"}, env={})
    assert isinstance(shared_flight(pg, SYSTEM_CLOCK), PostgresFlight)
    duck = load_api_settings({}, {"db_url": "duckdb:///:memory:"}, env={})
    assert isinstance(shared_flight(duck, SYSTEM_CLOCK), LocalFlight)
