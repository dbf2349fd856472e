"""`ktape demo` as a new user sees it: a warm rerun stores nothing new and says so, and the
copy-paste hints stay one line each on a narrow terminal."""

from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console

from kalshi_tape.demo.run import run_demo
from kalshi_tape.storage import open_store


def demo_output(db_url: str, width: int = 120) -> str:
    out = io.StringIO()
    run_demo(db_url=db_url, days=1, seed=3, console=Console(file=out, width=width))
    return out.getvalue()


def test_a_warm_demo_reports_new_and_already_stored_rows(tmp_path: Path) -> None:
    db_url = f"duckdb:///{tmp_path / 'demo.duckdb'}"
    cold = demo_output(db_url)
    with open_store(db_url) as store:  # forget the checkpoints: everything is fetched again
        store.sql("DELETE FROM backfill_progress")
    warm = demo_output(db_url)
    cold_new = re.search(r"candle rows new / already\s+stored[\s│]+([\d,]+) / 0", cold)
    assert cold_new is not None, cold
    fetched = cold_new.group(1)
    assert re.search(rf"candle rows new / already\s+stored[\s│]+0 / {fetched}\b", warm), warm
    assert re.search(r"trade rows new / already\s+stored[\s│]+0 / [\d,]+", warm), warm
    lines = demo_output(db_url, width=40).splitlines()
    # Rich wraps nothing itself: each command of the hint is on one line, whole.
    assert any(line.startswith("  python -c \"import duckdb;") and "limit 5'))\"" in line
               for line in lines), warm  # fmt: skip
    assert any(re.fullmatch(r"backfilling .+ for \S+ \.\. \S+", line) for line in lines), warm
