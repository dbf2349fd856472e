"""The simulator's prices know only the past: quotes and trades before t are the same
whatever the latent temperature does after t."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from kalshi_tape.sim.cities import CITIES
from kalshi_tape.sim.generator import PATH_STEP_S, EventSpec, make_event, make_timeline


def _history_before(spec: EventSpec, cut_ts: int) -> list[tuple[object, ...]]:
    timeline = make_timeline(spec, whole=False)
    out: list[tuple[object, ...]] = []
    for market in timeline.markets:
        out.append(
            tuple(q for t, q in zip(market.quote_ts, market.quotes, strict=True) if t < cut_ts)
        )
        out.append(tuple(tr for tr in market.trades if tr.created_us < cut_ts * 1_000_000))
    return out


@pytest.mark.parametrize("cut_hour", [9, 13, 15])
def test_future_path_changes_nothing_before_it(cut_hour: int) -> None:
    spec = make_event(5, CITIES["KXHIGHNY"], date(2026, 7, 14))
    cut = cut_hour * 3600 // PATH_STEP_S
    hotter = spec.path[:cut] + tuple(t + 6.0 for t in spec.path[cut:])
    changed = dataclasses.replace(spec, path=hotter)
    cut_ts = spec.day_start_ts + cut * PATH_STEP_S
    before = _history_before(spec, cut_ts)
    assert any(before), "there is history before the cut"
    assert _history_before(changed, cut_ts) == before
    # ...and the future does matter once it has happened:
    assert _history_before(changed, spec.close_ts) != _history_before(spec, spec.close_ts)
