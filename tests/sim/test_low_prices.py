"""The simulator prices daily-low markets on the running minimum: by the end of the
climate day the favourite is the bracket the low settles in, as for highs; before dawn
the low is still open, after dawn the minimum so far caps it."""

from __future__ import annotations

from datetime import date, timedelta

from kalshi_tape.sim.cities import CITIES
from kalshi_tape.sim.eventgen import make_event
from kalshi_tape.sim.generator import _PathView, low_market_belief, make_timeline

DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(20)]


def favourite_at(spec: object, ts: int) -> int:
    timeline = make_timeline(spec, whole=True)  # type: ignore[arg-type]
    mids = []
    for market in timeline.markets:
        bid, ask, _, _ = market.quote_at(ts)  # cents
        mids.append(bid + ask)
    return max(range(len(mids)), key=lambda k: mids[k])


def test_low_markets_end_the_day_on_the_settling_bracket() -> None:
    for series in ("KXLOWTNYC", "KXHIGHNY"):
        right = 0
        for day in DAYS:
            spec = make_event(11, CITIES[series], day)
            late = spec.day_start_ts + 23 * 3600 + 1800  # 23:30 of the climate day
            k = favourite_at(spec, late)
            right += spec.markets[k].pays(spec.settlement_value)
        assert right >= 0.8 * len(DAYS), (series, right)


def test_the_low_belief_is_capped_by_the_minimum_so_far() -> None:
    for day in DAYS[:5]:
        spec = make_event(11, CITIES["KXLOWTNYC"], day)
        view = _PathView(spec)
        for hour in (2, 7, 12, 20, 23):
            ts = spec.day_start_ts + hour * 3600
            mean, sd = low_market_belief(spec, view, ts)
            seen = view.observed_min(ts)
            assert seen is not None and mean <= seen + 1e-9 and sd > 0
