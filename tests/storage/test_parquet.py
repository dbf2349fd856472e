"""Export to hive-partitioned Parquet, then import: every table comes back exactly."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

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


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_export_again_is_idempotent_by_partition(store: Store, tmp_path: Path) -> None:
    store.commit_chunk(**samples.everything())
    first = export_parquet(store, tmp_path)
    files = _files(tmp_path)
    assert export_parquet(store, tmp_path) == first  # the second run (a cron rerun) succeeds
    assert _files(tmp_path) == files  # and leaves exactly the same files
    assert not list(tmp_path.glob(".*"))  # no staging folder left behind


def test_a_rerun_replaces_its_partitions_and_keeps_the_others(store: Store, tmp_path: Path) -> None:
    store.commit_chunk(**samples.everything())
    old_day = tmp_path / "candles" / "date=2020-01-01"
    old_day.mkdir(parents=True)
    (old_day / "part-0.parquet").write_bytes(b"an older export's day")
    stale = tmp_path / "candles" / "date=2026-08-08" / "part-9.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"stale")
    (tmp_path / ".candles.staging").mkdir()  # left by an interrupted run
    export_parquet(store, tmp_path)
    assert (old_day / "part-0.parquet").read_bytes() == b"an older export's day"
    assert not stale.exists()  # the partition was replaced whole, not mixed
    assert not (tmp_path / ".candles.staging").exists()
    export_parquet(store, tmp_path, overwrite=True)
    assert not old_day.exists()  # --overwrite drops what the warehouse no longer holds
    assert export_parquet(store, tmp_path)["trades"] == 10
