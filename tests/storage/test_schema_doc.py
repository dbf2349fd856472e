"""docs/schemas.md is generated from schema.py and must stay in step with it."""

from __future__ import annotations

from pathlib import Path

from kalshi_tape.storage import schema

SCHEMAS_MD = Path(__file__).resolve().parents[2] / "docs" / "schemas.md"


def test_schemas_md_matches_schema_py() -> None:
    assert SCHEMAS_MD.read_text() == schema.render_markdown(), (
        "docs/schemas.md is stale: .venv/bin/python -m kalshi_tape.storage.schema > docs/schemas.md"
    )


def test_every_column_has_a_description_and_money_has_a_unit() -> None:
    for table in schema.TABLES:
        assert table.column_names[-1] == schema.INGESTED_AT, table.name
        assert set(table.primary_key) <= set(table.column_names)
        for column in table.columns:
            assert column.description, f"{table.name}.{column.name}"
            if column.kind in ("price", "count", "temp", "timestamp"):
                assert column.unit, f"{table.name}.{column.name} needs a unit"


def test_only_ingested_at_is_bookkeeping() -> None:
    names = {c.name for t in schema.TABLES for c in t.columns}
    assert not names & {"created_at", "updated_at", "inserted_at", "loaded_at"}


def test_ddl_has_no_float_types() -> None:
    for table in schema.TABLES:
        for dialect in ("duckdb", "postgresql"):
            ddl = table.create_sql(dialect).upper()
            assert "FLOAT" not in ddl and "DOUBLE" not in ddl and "REAL" not in ddl
