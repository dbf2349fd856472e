"""URLs, read-only DuckDB and the CLI commands (on DuckDB files)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kalshi_tape.cli.main import main
from kalshi_tape.core.errors import ConfigError, StorageError
from kalshi_tape.storage import Store, default_url, open_store
from kalshi_tape.storage.duckdb_store import DuckDBStore
from kalshi_tape.storage.migrations import LATEST_VERSION
from tests.storage import samples


def test_duckdb_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store("duckdb:///relative.duckdb") as store:
        assert isinstance(store, DuckDBStore)
    assert (tmp_path / "relative.duckdb").is_file()
    with open_store(f"duckdb:///{tmp_path / 'abs.duckdb'}") as store:
        assert store.info().location == f"duckdb:///{tmp_path / 'abs.duckdb'}"
    with open_store("duckdb:///:memory:") as store:
        assert store.count("markets") == 0


def test_bad_urls_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        open_store("mysql://x")
    with pytest.raises(ConfigError):
        open_store("duckdb://")


def test_default_url_honours_ktape_db(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KTAPE_DB", raising=False)
    assert default_url() == "duckdb:///kalshi-tape.duckdb"
    monkeypatch.setenv("KTAPE_DB", "postgresql://u@h/db")
    assert default_url() == "postgresql://u@h/db"


def test_read_only_duckdb_reads_but_cannot_write(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with open_store(url) as store:
        store.commit_chunk(**samples.everything())
    with open_store(url + "?read_only=true") as reader:
        assert reader.count("candles") == 13
        with pytest.raises(Exception, match="read-only"):
            reader.commit_chunk(trades=[samples.trade(99)])


def test_a_second_process_cannot_write_a_locked_duckdb_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    url = f"duckdb:///{tmp_path / 'locked.duckdb'}"
    code = f"from kalshi_tape.storage import open_store; open_store({url!r})"
    with open_store(url):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0 and "lock" in result.stderr.lower()
    assert StorageError.__name__ in result.stderr


def test_cli_db_export_import(tmp_path: Path) -> None:
    source = f"duckdb:///{tmp_path / 'src.duckdb'}"
    target = f"duckdb:///{tmp_path / 'dst.duckdb'}"
    runner = CliRunner()
    result = runner.invoke(main, ["db", "init", "--db", source])
    assert result.exit_code == 0, result.output
    assert f"schema version {LATEST_VERSION}" in result.output
    with open_store(source) as store:
        store.commit_chunk(**samples.everything())
    result = runner.invoke(main, ["db", "migrate", "--db", source])
    assert "up to date" in result.output
    out = tmp_path / "parquet"
    result = runner.invoke(
        main, ["export", "--db", source, "--format", "parquet", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["import", str(out), "--db", target])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["db", "info", "--db", target])
    assert result.exit_code == 0, result.output
    assert "timescaledb:    no" in result.output
    assert "candles" in result.output and "13" in result.output


def test_cli_reports_errors_without_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["db", "info", "--db", "nosuch://x"])
    assert result.exit_code == 1 and "unsupported database URL" in result.output


def test_two_threads_of_one_process_share_a_duckdb_file(tmp_path: Path) -> None:
    """Two stores (connections) on one file in one process: conflicts are retried."""
    import threading

    url = f"duckdb:///{tmp_path / 'shared.duckdb'}"
    errors: list[BaseException] = []

    def write(store: Store, writer: int) -> None:
        try:
            for r in range(15):
                own = [samples.trade(writer * 10_000 + r * 20 + i) for i in range(20)]
                shared = [samples.trade(900_000 + i) for i in range(10)]
                store.commit_chunk(trades=own + shared)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with open_store(url) as first, open_store(url) as second:
        threads = [
            threading.Thread(target=write, args=(store, n))
            for n, store in ((1, first), (2, second))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert first.count("trades") == 2 * 15 * 20 + 10
