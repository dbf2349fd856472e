"""Parquet export and import, hive-partitioned by table and date.

    OUT/candles/date=2026-11-20/part-0.parquet     tables with a time axis (UTC date)
    OUT/markets/part-0.parquet                     tables without one

Exporting again into the same folder is idempotent by partition: each table is written to
a hidden staging folder first, then every partition it produced replaces the one of the same
name (a daily cron rerun rewrites what changed; partitions it did not produce stay). With
`overwrite`, each table folder is removed first instead.

Column types are the warehouse's Arrow types (decimal128 prices and counts, UTC
microsecond timestamps), `ingested_at` included, so export then import is exact.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from kalshi_tape.core.errors import StorageError
from kalshi_tape.storage import schema
from kalshi_tape.storage.base import Store

PARTITION = "date"
IMPORT_BATCH_ROWS = 250_000
_PARTITIONING = ds.partitioning(pa.schema([(PARTITION, pa.string())]), flavor="hive")


def export_parquet(
    store: Store,
    out_dir: str | Path,
    *,
    tables: tuple[str, ...] | None = None,
    overwrite: bool = False,
) -> dict[str, int]:
    """Write every table (or `tables`) under `out_dir`; returns rows written per table."""
    root = Path(out_dir)
    written = {}
    for spec in _tables(tables):
        target = root / spec.name
        if overwrite and target.exists():
            shutil.rmtree(target)
        data = store.read_table(spec.name)
        if data.num_rows:
            try:
                _write_staged(spec, data, target)
            except OSError as exc:
                raise StorageError(f"cannot write {root}: {_reason(exc)}") from None
        written[spec.name] = data.num_rows
    return written


def _write_staged(spec: schema.Table, data: pa.Table, target: Path) -> None:
    """Write to a staging folder beside `target`, then swap in what it holds: each
    partition folder for a dated table, the table's files for an undated one."""
    staging = target.with_name(f".{target.name}.staging")
    if staging.exists():
        shutil.rmtree(staging)  # left by an interrupted run
    _write(spec, data, staging)
    target.mkdir(parents=True, exist_ok=True)
    if spec.time is None:
        for old in target.glob("*.parquet"):
            old.unlink()
    for produced in sorted(staging.iterdir()):
        destination = target / produced.name
        if destination.is_dir():
            shutil.rmtree(destination)
        produced.replace(destination)
    staging.rmdir()


def import_parquet(
    store: Store, in_dir: str | Path, *, tables: tuple[str, ...] | None = None
) -> dict[str, int]:
    """Upsert every exported table found under `in_dir`; returns rows read per table."""
    root = Path(in_dir)
    if not root.is_dir():
        raise StorageError(f"{root} is not a directory")
    sources = {
        spec.name: root / spec.name for spec in _tables(tables) if (root / spec.name).is_dir()
    }
    files = [path for source in sources.values() for path in sorted(source.rglob("*.parquet"))]
    if not files:
        raise StorageError(
            f"no Parquet files in {root}: expected table folders such as {root / 'candles'}"
            " (the layout `ktape export` writes)"
        )
    for path in files:  # name a bad file before writing anything
        _check_parquet(path)
    return {name: _import_table(store, schema.table(name), src) for name, src in sources.items()}


def _tables(names: tuple[str, ...] | None) -> list[schema.Table]:
    try:
        return list(schema.TABLES) if names is None else [schema.table(n) for n in names]
    except KeyError as exc:
        raise StorageError(str(exc.args[0])) from None


def _reason(exc: OSError) -> str:
    """The operating system's words for `exc`, without pyarrow's wrapping."""
    return exc.strerror or str(exc).rsplit("Detail: ", 1)[-1]


def _write(spec: schema.Table, data: pa.Table, target: Path) -> None:
    options = {"format": "parquet", "basename_template": "part-{i}.parquet"}
    if spec.time is None:
        ds.write_dataset(data, target, **options)
        return
    dated = data.append_column(PARTITION, _utc_dates(data.column(spec.time.column), spec.time))
    ds.write_dataset(
        dated,
        target,
        partitioning=_PARTITIONING,
        max_partitions=100_000,
        existing_data_behavior="overwrite_or_ignore",
        **options,
    )


def _utc_dates(column: pa.ChunkedArray, axis: schema.TimeAxis) -> pa.ChunkedArray:
    if axis.unit == "ns":
        column = column.cast(pa.timestamp("ns"))
    elif axis.unit == "ms":
        column = column.cast(pa.timestamp("ms"))
    else:
        column = column.cast(pa.timestamp("us"))  # UTC wall time
    return pc.cast(pc.cast(column, pa.date32()), pa.string())


def _check_parquet(path: Path) -> None:
    try:
        pq.read_schema(path)
    except (pa.ArrowInvalid, OSError):
        raise StorageError(f"{path} is not a Parquet file") from None


def _import_table(store: Store, spec: schema.Table, source: Path) -> int:
    dataset = ds.dataset(source, format="parquet", partitioning=_PARTITIONING)
    total = 0
    try:
        batches = dataset.to_batches(columns=list(spec.column_names), batch_size=IMPORT_BATCH_ROWS)
        for batch in batches:
            if batch.num_rows:
                total += store.write_arrow(spec.name, pa.Table.from_batches([batch]))
    except (pa.ArrowInvalid, OSError) as exc:
        raise StorageError(f"cannot read {source}: {exc}") from None
    return total
