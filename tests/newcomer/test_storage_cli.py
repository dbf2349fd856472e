"""`ktape export`, `ktape import` and `ktape db info` on a new user's mistakes: one clear
error line, no traceback, nothing created by accident."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kalshi_tape.cli.main import main
from kalshi_tape.storage import open_store
from tests.storage import samples


def ktape(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"KTAPE_DB": "", "KTAPE_CONFIG": ""})


def one_clean_error(result: Result) -> str:
    """The error text, after checking it is one `Error:` line and no traceback."""
    assert result.exit_code != 0, result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), f"uncaught {result.exception!r}"
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.fixture()
def filled_db(tmp_path: Path) -> str:
    url = f"duckdb:///{tmp_path / 'filled.duckdb'}"
    with open_store(url) as store:
        store.commit_chunk(**samples.everything())
    return url


def test_export_to_an_unwritable_folder_is_one_error_line(filled_db: str, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = ktape("export", "--out", str(blocker / "export"), "--db", filled_db)
    line = one_clean_error(result)
    assert "cannot write" in line and str(blocker / "export") in line


def test_import_of_a_file_that_is_not_parquet_is_one_error_line(
    filled_db: str, tmp_path: Path
) -> None:
    folder = tmp_path / "export" / "markets"
    folder.mkdir(parents=True)
    (folder / "part-0.parquet").write_text("this is not parquet\n")
    result = ktape("import", str(tmp_path / "export"), "--db", filled_db)
    line = one_clean_error(result)
    assert "part-0.parquet" in line and "not a Parquet file" in line


def test_import_of_a_folder_without_parquet_says_so(filled_db: str, tmp_path: Path) -> None:
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")
    line = one_clean_error(ktape("import", str(empty), "--db", filled_db))
    assert "no Parquet files" in line and str(empty) in line


def test_the_readme_export_runs_twice(filled_db: str, tmp_path: Path) -> None:
    out = tmp_path / "export"
    first = ktape("export", "--format", "parquet", "--out", str(out), "--db", filled_db)
    assert first.exit_code == 0, first.output
    again = ktape("export", "--format", "parquet", "--out", str(out), "--db", filled_db)
    assert again.exit_code == 0, again.output
    assert again.stdout == first.stdout


def test_export_unknown_table_has_no_stray_quotes(filled_db: str, tmp_path: Path) -> None:
    out = tmp_path / "export"
    line = one_clean_error(ktape("export", "--out", str(out), "--table", "nope", "--db", filled_db))
    assert line.startswith("Error: no table 'nope'"), line
    assert not line.endswith('"')


def test_db_info_on_a_missing_file_does_not_create_it(tmp_path: Path) -> None:
    missing = tmp_path / "typo.duckdb"
    line = one_clean_error(ktape("db", "info", "--db", f"duckdb:///{missing}"))
    assert str(missing) in line and "ktape db init" in line
    assert not missing.exists()
