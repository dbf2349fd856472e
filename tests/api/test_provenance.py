"""`coverage.provenance` (runs of one source, found column-wise) equals the row-by-row
definition on generated source sequences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given
from hypothesis import strategies as st

from kalshi_tape.api.coverage import provenance

DAY = datetime(2026, 11, 20, tzinfo=UTC)


def by_rows(table: pa.Table) -> list[dict[str, str]]:
    """The definition: walk the rows, extend the last run or start a new one."""
    ends = pc.strftime(table.column("end_period_ts"), "%Y-%m-%dT%H:%M:%SZ").to_pylist()
    runs: list[dict[str, str]] = []
    for source, end in zip(table.column("source").to_pylist(), ends, strict=True):
        if runs and runs[-1]["source"] == source:
            runs[-1]["last"] = end
        else:
            runs.append({"source": source, "first": end, "last": end})
    return runs


def table(sources: list[str], chunk: int) -> pa.Table:
    ends = [DAY + timedelta(minutes=i) for i in range(len(sources))]
    whole = pa.table(
        {
            "source": pa.array(sources, pa.string()),
            "end_period_ts": pa.array(ends, pa.timestamp("us", tz="UTC")),
        }
    )
    cut = min(chunk, whole.num_rows)
    return pa.concat_tables([whole.slice(0, cut), whole.slice(cut)])  # two chunks


@given(
    st.lists(st.sampled_from(["collector", "kalshi", "trades"]), max_size=40),
    st.integers(0, 40),
)
def test_runs_match_the_row_by_row_definition(sources: list[str], chunk: int) -> None:
    data = table(sources, chunk)
    assert provenance(data) == by_rows(data)


def test_a_merge_names_each_run() -> None:
    runs = provenance(table(["collector", "collector", "kalshi", "collector"], 1))
    assert [(r["source"], r["first"][11:16], r["last"][11:16]) for r in runs] == [
        ("collector", "00:00", "00:01"),
        ("kalshi", "00:02", "00:02"),
        ("collector", "00:03", "00:03"),
    ]
