"""The upstream budget's rules, as properties on a manual clock: no client gets more than
its bucket; unknown look-ups never dip into the known-good reserve; a refusal says how
long to wait."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_tape.api.budget import UpstreamBudget
from kalshi_tape.core.clock import ManualClock


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.floats(0, 2), st.booleans(), st.integers(0, 5)), min_size=1, max_size=200
    )
)
def test_grants_stay_within_the_buckets(steps: list[tuple[float, bool, int]]) -> None:
    clock = ManualClock()
    budget = UpstreamBudget(5.0, 1.0, 3, 0.5, clock)
    granted_unknown: dict[int, int] = {}
    granted_total = 0
    for dt, known, client in steps:
        clock.advance(dt)
        wait = budget.spend(known, f"c{client}")
        assert wait >= 0
        if wait == 0:
            granted_total += 1
            if not known:
                granted_unknown[client] = granted_unknown.get(client, 0) + 1
                assert budget.global_bucket.tokens >= 5.0 - 1e-6  # the reserve is kept
        else:
            assert wait > 0  # a refusal names a positive Retry-After
    elapsed = clock.monotonic()
    assert granted_total <= 10 + 5.0 * elapsed + 1e-6  # global: burst 10, 5/s
    for count in granted_unknown.values():
        assert count <= 3 + 1.0 * elapsed + 1e-6  # per client: burst 3, 1/s


def test_known_good_look_ups_pass_when_unknown_ones_are_refused() -> None:
    clock = ManualClock()
    budget = UpstreamBudget(5.0, 100.0, 100, 0.5, clock)
    unknown = [budget.spend(False, "abuser") for _ in range(20)]
    assert unknown.count(0.0) == 5 and unknown[-1] > 0  # stopped at the reserve
    assert budget.spend(True, "someone") == 0.0  # the reserve serves known-good look-ups
