"""Fleet settings fail closed: a fleet needs PostgreSQL, and does not mix with --shard."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kalshi_tape.collector.cli import collect_command
from kalshi_tape.core.errors import ConfigError
from kalshi_tape.settings.entry import load_collector_config

PG = "postgresql://postgres@127.0.0.1:5432/x"


def test_fleet_loads_with_postgres() -> None:
    config = load_collector_config(
        flags={"series": ("KXHIGHNY",), "db": PG, "fleet": True, "lease_seconds": 5}, env={}
    )
    assert config.fleet and config.lease_seconds == 5


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"db": "duckdb:///w.duckdb", "fleet": True}, "needs a postgresql:// warehouse"),
        ({"db": PG, "fleet": True, "shard": "0/2"}, "drop --shard"),
        ({"db": PG, "fleet": True, "lease_seconds": 0.5}, "collector.lease_seconds"),
    ],
)
def test_bad_fleet_settings(flags: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_collector_config(flags={"series": ("KXHIGHNY",), **flags}, env={})


def test_status_refuses_duckdb(tmp_path: object) -> None:
    result = CliRunner().invoke(collect_command, ["status", "--db", "duckdb:///nowhere.duckdb"])
    assert result.exit_code == 2
    assert "a fleet lives in PostgreSQL" in result.output
