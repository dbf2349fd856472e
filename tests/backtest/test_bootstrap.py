"""The event-level bootstrap: pooled like the point estimate, seeded, bounded by events."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_tape.backtest.signals.bootstrap import bootstrap_pooled_mean

events = st.lists(
    st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30).map(np.array),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(events, st.integers(0, 2**32 - 1))
def test_interval_lies_between_the_event_means_and_reproduces(
    per_event: list[np.ndarray], seed: int
) -> None:
    interval = bootstrap_pooled_mean(per_event, draws=200, seed=seed)
    means = [float(v.mean()) for v in per_event]
    assert min(means) - 1e-12 <= interval.low <= interval.high <= max(means) + 1e-12
    pooled = float(np.concatenate(per_event).mean())
    assert interval.point == pytest.approx(pooled)
    assert bootstrap_pooled_mean(per_event, draws=200, seed=seed) == interval


def test_identical_events_give_a_zero_width_interval() -> None:
    interval = bootstrap_pooled_mean([np.array([0.1, 0.3])] * 5, draws=100)
    assert interval.low == pytest.approx(0.2) and interval.high == pytest.approx(0.2)


def test_the_interval_resamples_events_not_values() -> None:
    # Two events, each internally constant: resampling values within the pool would give a
    # narrow interval around 0.5; resampling events spans nearly [0, 1].
    per_event = [np.zeros(1000), np.ones(1000)]
    interval = bootstrap_pooled_mean(per_event, draws=2000, seed=1)
    assert interval.low == 0.0 and interval.high == 1.0


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        bootstrap_pooled_mean([])
    with pytest.raises(ValueError):
        bootstrap_pooled_mean([np.array([])])
    with pytest.raises(ValueError):
        bootstrap_pooled_mean([np.array([1.0])], level=1.0)
