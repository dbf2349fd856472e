"""The CLI bad-input table: each mistake a new user makes answers with a non-zero exit and
one clear line, no traceback, and creates no file on the way (checked in an empty working
folder, through the real `python -m kalshi_tape` entry point)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from kalshi_tape.api.cli import startup_line
from kalshi_tape.settings.api import ApiSettings
from kalshi_tape.settings.shared import Settings

TICKER = "KXHIGHNY-26MAR15-B50.5"
AT = "2026-03-15T12:00:00Z"
NO_WAREHOUSE = "no warehouse at missing.duckdb"

# (case id, arguments, a phrase the one error line must contain)
CASES: list[tuple[str, list[str], str]] = [
    ("book-empty-file", ["book", TICKER, "--at", AT, "--db", "duckdb:///empty.duckdb"],
     "schema version 0, not"),
    ("book-missing-file", ["book", TICKER, "--at", AT, "--db", "duckdb:///missing.duckdb"],
     NO_WAREHOUSE),
    ("backtest-out-unwritable",
     ["backtest", "--series", "KXHIGHNY", "--start", "2026-03-01", "--end", "2026-03-02",
      "--strategy", "favourite", "--db", "duckdb:///empty.duckdb", "--out", "/proc/x/r.html"],
     "cannot write /proc/x/r.html: folder /proc/x does not exist"),
    ("backtest-out-is-a-folder",
     ["backtest", "--series", "KXHIGHNY", "--start", "2026-03-01", "--end", "2026-03-02",
      "--strategy", "favourite", "--db", "duckdb:///empty.duckdb", "--out", "."],
     "is a directory"),
    ("backtest-missing-file",
     ["backtest", "--series", "KXHIGHNY", "--start", "2026-03-01", "--end", "2026-03-02",
      "--strategy", "favourite", "--db", "duckdb:///missing.duckdb", "--out", "r.html"],
     NO_WAREHOUSE),
    ("serve-port-out-of-range", ["serve", "--port", "99999", "--db", "duckdb:///s.duckdb"],
     "99999 is not in the range 1<=x<=65535"),
    ("paper-unknown-strategy",
     ["paper", "--strategy", "nope", "--series", "KXHIGHNY", "--db", "duckdb:///p.duckdb"],
     "unknown strategy 'nope'"),
    ("paper-report-missing-file", ["paper", "report", "--db", "duckdb:///missing.duckdb"],
     NO_WAREHOUSE),
    ("paper-report-out-unwritable",
     ["paper", "report", "--db", "duckdb:///empty.duckdb", "--out", "/proc/x/p.html"],
     "folder /proc/x does not exist"),
    ("export-missing-file", ["export", "--db", "duckdb:///missing.duckdb", "--out", "ex"],
     NO_WAREHOUSE),
    ("db-info-missing-file", ["db", "info", "--db", "duckdb:///missing.duckdb"], NO_WAREHOUSE),
    ("apikey-list-missing-file", ["apikey", "list", "--db", "duckdb:///missing.duckdb"],
     NO_WAREHOUSE),
    ("apikey-revoke-missing-file",
     ["apikey", "revoke", "abc", "--db", "duckdb:///missing.duckdb"], NO_WAREHOUSE),
    ("cache-warm-missing-file",
     ["cache", "warm", "--db", "duckdb:///missing.duckdb",
      "--base-url", "http://127.0.0.1:9/trade-api/v2"], NO_WAREHOUSE),
    ("settle-check-missing-file",
     ["weather", "settle-check", "--series", "KXHIGHNY", "--start", "2026-03-01",
      "--end", "2026-03-02", "--db", "duckdb:///missing.duckdb"], NO_WAREHOUSE),
    ("serve-misspelled-env-var", ["serve", "--port", "8999", "--db", "duckdb:///s.duckdb"],
     "KTAPE_API_REQUIRE_KEY: unknown environment variable; did you mean KTAPE_API_REQUIRE_KEYS"),
]  # fmt: skip

# Extra environment per case (a misspelled variable name must not be ignored).
CASE_ENV: dict[str, dict[str, str]] = {"serve-misspelled-env-var": {"KTAPE_API_REQUIRE_KEY": "1"}}


def run_ktape(
    args: list[str], cwd: Path, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {"KTAPE_CONFIG": "", "PATH": "/usr/bin:/bin", "HOME": str(cwd), **(extra_env or {})}
    return subprocess.run(
        [sys.executable, "-m", "kalshi_tape", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize(("case", "args", "phrase"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_one_clear_line(
    case: str, args: list[str], phrase: str, tmp_path: Path
) -> None:
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()  # a file that is no warehouse
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run_ktape(args, tmp_path, CASE_ENV.get(case))
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.lower().startswith("error")]
    assert len(errors) == 1, result.stderr
    assert phrase in errors[0], result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "a file was created"


def test_serve_says_whether_keys_are_required_where_data_comes_from_and_where() -> None:
    kalshi = Settings(db_url="duckdb:///w.duckdb", base_url="http://127.0.0.1:9/trade-api/v2")
    line = startup_line(ApiSettings(kalshi=kalshi, require_keys=True), "127.0.0.1", 8123)
    assert line.startswith("serving on http://127.0.0.1:8123; API keys required;")
    assert "warehouse duckdb:///w.duckdb, missing candles fetched from http://127.0.0.1:9" in line
    open_line = startup_line(ApiSettings(kalshi=kalshi, fetch_through=False), "::1", 80)
    assert "http://[::1]:80; API keys NOT required (open)" in open_line
    assert open_line.endswith("data from warehouse duckdb:///w.duckdb only (no fetch-through)")
    secret = Settings(db_url="postgresql://u:s3cret@127.0.0.1/db")
    assert "s3cret" not in startup_line(ApiSettings(kalshi=secret), "127.0.0.1", 1)
