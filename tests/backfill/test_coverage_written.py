"""A real backfill writes coverage records: every final candle request's range, per market."""

from __future__ import annotations

from pathlib import Path

from kalshi_tape.api.coverage import covered_spans, covers
from kalshi_tape.client.discover import Selection
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import open_store
from tests.backfill.helpers import START, run

ONE_DAY = Selection(series=("KXHIGHCHI",), start=START, end=START)


def test_backfill_covers_every_candle_it_stored(sim: SimServer, tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'b.duckdb'}"
    run(sim.base_url, db, ONE_DAY)
    with open_store(db) as store:
        rows = store.sql(
            "SELECT market_ticker, period_minutes, min(epoch(end_period_ts)), "
            "max(epoch(end_period_ts)) FROM candles GROUP BY 1, 2"
        )
        assert rows
        for ticker, period, first, last in rows:
            spans = covered_spans(store, "kalshi", ticker, period)
            assert covers(spans, int(first), int(last)), (ticker, period, spans)
        kinds = dict(store.sql("SELECT kind, count(*) FROM backfill_progress GROUP BY kind"))
        assert kinds["coverage"] >= len(rows)
