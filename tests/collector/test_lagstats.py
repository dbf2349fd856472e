"""LagStats keeps the newest lags, wrapping around its ring, so percentiles stay right."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_tape.collector.writer import LagStats

NS = 1_000_000_000


def test_batch_crossing_the_ring_end_wraps_around() -> None:
    # The old ring wrote only up to its end and dropped the rest of the batch (max was 10 s).
    stats = LagStats(size=4)
    stats.add(100 * NS, [99 * NS, 98 * NS, 97 * NS])  # lags 1, 2, 3 s
    stats.add(100 * NS, [90 * NS, 80 * NS, 70 * NS])  # lags 10, 20, 30 s
    assert stats.percentiles(0, 100) == [3.0, 30.0]


batches = st.lists(st.lists(st.integers(0, 10**12), max_size=12), max_size=8)


@given(batches=batches, size=st.integers(1, 9))
@settings(max_examples=200, deadline=None)
def test_percentiles_are_those_of_the_newest_lags(batches: list[list[int]], size: int) -> None:
    stats = LagStats(size=size)
    commit = 10**12
    lags: list[int] = []
    for batch in batches:
        stats.add(commit, [commit - lag for lag in batch])
        lags.extend(batch)
    newest = lags[-size:]
    got = stats.percentiles(0, 50, 100)
    if not newest:
        assert all(np.isnan(v) for v in got)
    else:
        want = [
            float(v) / 1e9 for v in np.percentile(np.asarray(newest, dtype=np.int64), (0, 50, 100))
        ]
        assert got == want
