"""Which candle periods we hold completely: known from records, never guessed.

A coverage record says "source S holds every period of (market, period) whose end lies in
[first, last]" (a period with no trade and no quote change has no candle and is still
accounted for). It is a `backfill_progress` checkpoint of kind `coverage`, written by
whoever produced the candles (the collector for a span it watched, a backfill for a span
it derived). A stream integrity event (`sequence_gaps`: gap, resync or reconnect) of the
market, or of the whole connection, removes the period it falls in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kalshi_tape.core.coverage import KIND, coverage_prefix, coverage_record
from kalshi_tape.storage import Store
from kalshi_tape.storage.records import LOSS_KINDS

__all__ = ["KIND", "coverage_record", "covered_spans", "covers", "inside", "provenance"]
Span = tuple[int, int]  # first and last period end, Unix seconds, inclusive
Life = tuple[datetime | None, datetime | None]  # a market's open and close time


def covered_spans(store: Store, source: str, market: str, period: int) -> list[Span]:
    """The merged spans `source` holds completely, with integrity events cut out."""
    return coverage_and_life(store, source, market, period)[0]


def coverage_and_life(
    store: Store, source: str, market: str, period: int
) -> tuple[list[Span], Life]:
    """`covered_spans` and the market's open and close time (None when not stored), read
    by one statement: the coverage records, the integrity events and the market row."""
    prefix = coverage_prefix(source, market, period)
    p = store.placeholder
    rows = store.sql(
        "SELECT 0, task_key, CAST(NULL AS BIGINT), CAST(NULL AS TIMESTAMPTZ), "
        "CAST(NULL AS TIMESTAMPTZ) FROM backfill_progress "
        f"WHERE done AND substr(task_key, 1, {p}) = {p} "
        f"UNION ALL SELECT 1, NULL, received_ns, NULL, NULL FROM sequence_gaps "
        f"WHERE market_ticker IN ({p}, '') "
        f"UNION ALL SELECT 2, NULL, NULL, open_time, close_time FROM markets WHERE ticker = {p}",
        (len(prefix), prefix, market, market),
    )
    spans = sorted(_span(key[len(prefix) :]) for kind, key, *_ in rows if kind == 0)
    step = period * 60
    holes = sorted({-(-int(ns) // 1_000_000_000 // step) * step for k, _, ns, *_ in rows if k == 1})
    life = next(((opened, closed) for k, *_, opened, closed in rows if k == 2), (None, None))
    return _cut(_merge(spans), holes, step), life


def _span(text: str) -> Span:
    first, _, last = text.partition("-")
    return int(first), int(last)


def _merge(spans: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    for first, last in spans:
        if out and first <= out[-1][1] + 60:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


def _gap_ends(store: Store, market: str, period: int) -> list[int]:
    p = store.placeholder
    rows = store.sql(
        f"SELECT received_ns FROM sequence_gaps WHERE market_ticker IN ({p}, '') "
        f"AND kind IN ({', '.join(repr(k) for k in LOSS_KINDS)})",
        (market,),
    )
    step = period * 60
    return sorted({-(-int(ns) // 1_000_000_000 // step) * step for (ns,) in rows})


def _cut(spans: list[Span], holes: list[int], step: int) -> list[Span]:
    """Each hole (a period end) removed from the spans."""
    out: list[Span] = []
    for first, last in spans:
        start = first
        for hole in (h for h in holes if first <= h <= last):
            if hole > start:
                out.append((start, hole - step))
            start = hole + step
        if start <= last:
            out.append((start, last))
    return out


def covers(spans: Sequence[Span], first_s: int, last_s: int) -> bool:
    """Whether one span holds the whole of [first_s, last_s]."""
    return any(a <= first_s and last_s <= b for a, b in spans)


def inside(ends_s: np.ndarray, spans: Sequence[Span]) -> np.ndarray:
    """A mask: which period ends lie in one of the (sorted, disjoint) spans."""
    if not spans:
        return np.zeros(len(ends_s), dtype=bool)
    firsts = np.array([a for a, _ in spans])
    lasts = np.array([b for _, b in spans])
    at = np.searchsorted(firsts, ends_s, side="right") - 1
    return (at >= 0) & (ends_s <= lasts[np.maximum(at, 0)])


def end_seconds(table: pa.Table) -> np.ndarray:
    """The `end_period_ts` column as Unix seconds."""
    column = table.column("end_period_ts").cast(pa.timestamp("s", tz="UTC"))
    return np.asarray(pc.cast(column, pa.int64()).to_numpy(zero_copy_only=False))


def provenance(table: pa.Table) -> list[dict[str, str]]:
    """Runs of one source in a table ordered by period end: `{source, first, last}`.
    Only the rows where a run starts or ends are formatted."""
    n = table.num_rows
    if n == 0:
        return []
    sources = table.column("source").combine_chunks()
    changes = pc.not_equal(sources.slice(1), sources.slice(0, n - 1))
    starts = np.concatenate(([0], np.flatnonzero(changes.to_numpy(zero_copy_only=False)) + 1))
    lasts = np.append(starts[1:] - 1, n - 1)
    bounds = table.column("end_period_ts").take(pa.array(np.concatenate((starts, lasts))))
    ends = pc.strftime(bounds, "%Y-%m-%dT%H:%M:%SZ").to_pylist()
    names = sources.take(pa.array(starts)).to_pylist()
    k = len(starts)
    return [
        {"source": name, "first": first, "last": last}
        for name, first, last in zip(names, ends[:k], ends[k:], strict=True)
    ]
