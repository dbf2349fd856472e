"""Config validation and CLI parsing helpers (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
import pytest

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.sim.cli import _parse_keys, _parse_now, sim_command
from kalshi_tape.sim.config import SimConfig


def test_config_rejects_bad_values() -> None:
    for bad in (
        {"wire_era": "x"},
        {"tier": "gold"},
        {"speed": -1.0},
        {"days": -1},
        {"now": datetime(2026, 1, 1)},  # naive
    ):
        with pytest.raises(ConfigError):
            SimConfig(**bad)  # type: ignore[arg-type]
    assert SimConfig(wire_era="dual").whole and not SimConfig().whole
    from kalshi_tape.sim.exchange import Exchange

    with pytest.raises(ConfigError):
        Exchange(SimConfig(series=("KXHIGHNY", "KXNOPE")))


def test_trust_key_forms(tmp_path: Path) -> None:
    pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
    path = tmp_path / "key.pem"
    path.write_text(pem)
    assert _parse_keys(("a=" + pem, f"b=@{path}")) == {"a": pem, "b": pem}
    with pytest.raises(click.BadParameter):
        _parse_keys(("no-equals",))


def test_now_parsing() -> None:
    assert _parse_now("2026-11-22T15:00:00Z") == datetime(2026, 11, 22, 15, tzinfo=UTC)
    assert _parse_now(None) is None
    with pytest.raises(click.BadParameter):
        _parse_now("yesterday")


def test_cli_rejects_bad_faults() -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(sim_command, ["--faults", "bogus=1"])
    assert result.exit_code == 2 and "bogus" in result.output


def test_city_table_agrees_with_stations() -> None:
    from kalshi_tape.reference.stations import settles_on_minimum, station_for
    from kalshi_tape.sim.cities import CITIES

    for series, city in CITIES.items():
        station = station_for(series)
        assert station is not None, series
        assert city.settles_on_minimum == settles_on_minimum(series)
        assert city.lst_offset_hours == station.lst_offset_hours
        assert city.iana_zone == station.iana_zone
        assert f"CLI{city.cli_code}" == station.cli_code
