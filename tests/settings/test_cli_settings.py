"""A bad setting stops every entry point before anything starts: non-zero exit, one line
naming the setting and its source, no traceback, no file created."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

KTAPE = Path(sys.executable).with_name("ktape")

COMMANDS = {
    "serve": ["serve", "--port", "8999"],
    "collect": ["collect", "--event", "KXHIGHNY-26JUN02", "--poll"],
    "backfill": ["backfill", "--series", "KXHIGHNY"],
    "paper": ["paper", "--strategy", "favourite", "--series", "KXHIGHNY"],
    "weather": [
        "weather",
        "fetch",
        "--station",
        "KNYC",
        "--start",
        "2026-06-01",
        "--end",
        "2026-06-02",
    ],
}
BAD_ENV = [
    ("KTAPE_API_REQUIRE_KEYS", "ture", "KTAPE_API_REQUIRE_KEYS"),
    ("KTAPE_API_KEY_BURST", "1O", "KTAPE_API_KEY_BURST"),
    ("KALSHI_BASE_URL", "yes please", "KALSHI_BASE_URL"),
    ("KTAPE_API_REQUIRE_KEY", "true", "did you mean KTAPE_API_REQUIRE_KEYS"),
]


def run(tmp_path: Path, args: list[str], extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KTAPE_", "KALSHI_"))}
    env |= {"KTAPE_DB": f"duckdb:///{tmp_path}/w.duckdb", **extra}
    return subprocess.run(
        [str(KTAPE), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=20
    )


@pytest.mark.parametrize(("var", "value", "named"), BAD_ENV)
@pytest.mark.parametrize("command", ["serve", "collect"])
def test_a_bad_environment_value_stops_the_start(
    command: str, var: str, value: str, named: str, tmp_path: Path
) -> None:
    result = run(tmp_path, COMMANDS[command], {var: value})
    assert result.returncode != 0, result.stderr
    assert named in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["backfill", "paper", "weather"])
def test_every_entry_point_checks_the_settings(command: str, tmp_path: Path) -> None:
    result = run(tmp_path, COMMANDS[command], {"KALSHI_TIER": "gold", "KTAPE_API_LIVE_TTL_S": "1O"})
    assert result.returncode != 0, result.stderr
    assert "KTAPE_API_LIVE_TTL_S" in result.stderr or "KALSHI_TIER" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_bad_file_value_names_the_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "ktape.yaml"
    config.write_text("api:\n  fetch_through: ture\n")
    result = run(tmp_path, ["serve", "--config", str(config)], {})
    assert result.returncode != 0
    assert f"file {config}, key api.fetch_through" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ktape.yaml"]


# a bad value of each command's own section, from the environment and from a flag
OWN_SECTION = [
    ("collect", {"KTAPE_COLLECTOR_FLUSH_MAX_ROWS": "1O"}, [], "environment KTAPE_COLLECTOR_"),
    ("collect", {}, ["--lease-seconds", "0.5"], "collector.lease_seconds"),
    ("collect", {}, ["--shard", "3/2"], "(from flag --shard)"),
    ("backfill", {"KTAPE_BACKFILL_TRADES": "yes please"}, [], "backfill.trades"),
    ("backfill", {}, ["--concurrency", "0"], "(from flag --concurrency)"),
    ("paper", {"KTAPE_PAPER_FLUSH_EVERY": "0"}, [], "paper.flush_every"),
    ("weather", {"KTAPE_WEATHER_MAX_RETRIES": "ture"}, [], "weather.max_retries"),
    ("serve", {"KTAPE_API_FETCH_THROUGH": "ture"}, [], "api.fetch_through"),
]


@pytest.mark.parametrize(("command", "env", "flags", "named"), OWN_SECTION)
def test_each_command_refuses_a_bad_value_of_its_section(
    command: str, env: dict[str, str], flags: list[str], named: str, tmp_path: Path
) -> None:
    result = run(tmp_path, [*COMMANDS[command], *flags], env)
    assert result.returncode != 0, result.stderr
    assert named in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert list(tmp_path.iterdir()) == []
