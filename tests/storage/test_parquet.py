"""Export to hive-partitioned Parquet, then import: every table comes back exactly."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kalshi_tape.errors import StorageError
from kalshi_tape.storage import Store, open_store, schema
from kalshi_tape.storage.parquet import export_parquet, import_parquet
from tests.storage import samples


def _tables(store: Store) -> dict[str, object]:
    return {t.name: store.read_table(t.name) for t in schema.TABLES}


def test_export_then_import_round_trips_every_table(store: Store, tmp_path: Path) -> None:
    store.commit_chunk(**samples.everything())
    before = _tables(store)
    out = tmp_path / "export"
    written = export_parquet(store, out)
    assert written == {name: table.num_rows for name, table in before.items()}  # type: ignore[attr-defined]

    with open_store(f"duckdb:///{tmp_path / 'copy.duckdb'}") as copy:
        import_parquet(copy, out)
        assert _tables(copy) == before

    for table in schema.TABLES:
        store.sql(f"DELETE FROM {table.name}")
    assert import_parquet(store, out)["candles"] == before["candles"].num_rows  # type: ignore[attr-defined]
    assert _tables(store) == before


def test_layout_is_hive_partitioned_by_table_and_date(store: Store, tmp_path: Path) -> None:
    store.commit_chunk(**samples.everything())
    export_parquet(store, tmp_path)
    assert (tmp_path / "candles" / "date=2026-08-08" / "part-0.parquet").is_file()
    assert (tmp_path / "orderbook_deltas" / "date=2026-08-08" / "part-0.parquet").is_file()
    assert (tmp_path / "markets" / "part-0.parquet").is_file()
    stored = pq.read_schema(tmp_path / "candles" / "date=2026-08-08" / "part-0.parquet")
    assert stored.field("yes_bid_open").type == schema.CANDLES.column("yes_bid_open").arrow_type


def test_export_refuses_to_mix_with_an_old_export(store: Store, tmp_path: Path) -> None:
    store.commit_chunk(**samples.everything())
    export_parquet(store, tmp_path)
    with pytest.raises(StorageError, match="exists"):
        export_parquet(store, tmp_path)
    assert export_parquet(store, tmp_path, overwrite=True)["trades"] == 10
