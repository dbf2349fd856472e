"""Deterministic market generation, lazily per event from (seed, series, climate date).

Two layers, both pure functions of their inputs:

* `make_event(seed, city, date)` -> `EventSpec`: times, a latent 5-minute temperature path
  over the LST climate day, the daily high it implies (the settlement value), a seeded
  forecast, the 6-market ladder centred on it, tickers, titles and rules text. Cheap.
* `make_timeline(spec, whole)` -> `EventTimeline`: per market the quote history (best bid /
  ask and their sizes), Poisson trades with open interest, from open to close. Prices follow
  a noisy posterior of the daily high given the path observed so far.

Internal units are integers: prices in cents (1-cent ticks), counts in hundredths of a
contract, times in Unix seconds (trades: microseconds). Encoding to wire happens elsewhere.

This module holds the prices layer and re-exports the rest (`model`: types, `eventgen`: event
skeletons, `books`: book levels), so `sim.generator` stays the one import surface.
"""

from __future__ import annotations

import math
import random
import uuid

from kalshi_tape.sim.books import book_levels
from kalshi_tape.sim.eventgen import (
    ET,
    PATH_STEP_S,
    SETTLEMENT_TIMER_S,
    TWC_ERA_START,
    climate_date_at,
    climate_day_start,
    diurnal_shape,
    event_seed,
    event_ticker,
    make_event,
)
from kalshi_tape.sim.model import (
    EMPTY_QUOTE,
    EventSpec,
    EventTimeline,
    Level,
    MarketSpec,
    MarketTimeline,
    Quote,
    SimTrade,
)

__all__ = [
    "EMPTY_QUOTE",
    "ET",
    "PATH_STEP_S",
    "SETTLEMENT_TIMER_S",
    "TWC_ERA_START",
    "EventSpec",
    "EventTimeline",
    "Level",
    "MarketSpec",
    "MarketTimeline",
    "Quote",
    "SimTrade",
    "book_levels",
    "bracket_probabilities",
    "climate_date_at",
    "climate_day_start",
    "event_seed",
    "event_ticker",
    "make_event",
    "make_timeline",
    "market_belief",
]


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


class _PathView:
    """What the market can know of the latent path at time ts: the temperature now and the
    maximum so far. Nothing after ts (no look-ahead)."""

    def __init__(self, spec: EventSpec) -> None:
        self.start = spec.day_start_ts
        self.path = spec.path
        self.prefix = list(spec.path)
        self.prefix_min = list(spec.path)
        for i in range(1, len(self.prefix)):
            self.prefix[i] = max(self.prefix[i - 1], self.prefix[i])
            self.prefix_min[i] = min(self.prefix_min[i - 1], self.prefix_min[i])

    def _index(self, ts: int) -> int | None:
        j = (ts - self.start) // PATH_STEP_S
        return None if j < 0 else min(j, len(self.path) - 1)

    def observed_max(self, ts: int) -> float | None:
        j = self._index(ts)
        return None if j is None else self.prefix[j]

    def observed_min(self, ts: int) -> float | None:
        j = self._index(ts)
        return None if j is None else self.prefix_min[j]

    def current(self, ts: int) -> float | None:
        j = self._index(ts)
        return None if j is None else self.path[j]


# The market's model of a day: the forecast high, a mean diurnal shape peaking here.
MEAN_PEAK_HOUR = 15.25


FORECAST_SD = 2.5


def market_belief(spec: EventSpec, view: _PathView, ts: int) -> tuple[float, float]:
    """(mean, sd) of the rest-of-day maximum as the market sees it at ts: the forecast,
    corrected by how far the temperature now runs from what the forecast implied for this
    hour, with less doubt as the day heats up. Uses nothing observed after ts."""
    current = view.current(ts)
    if current is None:
        return spec.forecast, FORECAST_SD
    hour = (ts - spec.day_start_ts) / 3600.0
    if hour >= 24.0:  # the day is over: its maximum is known
        observed = view.observed_max(ts)
        return (current if observed is None else observed), 0.05
    expected_now = spec.forecast - spec.city.diurnal_range * (
        1.0 - diurnal_shape(hour, MEAN_PEAK_HOUR)
    )
    progress = min(1.0, max(0.0, (hour - 6.0) / (MEAN_PEAK_HOUR - 6.0)))
    mean = spec.forecast + (0.3 + 0.7 * progress) * (current - expected_now)
    if hour > MEAN_PEAK_HOUR:  # cooling: little room left above the temperature now
        mean = min(mean, current + 2.0 * max(0.0, 17.5 - hour) / (17.5 - MEAN_PEAK_HOUR))
    return mean, 0.3 + (FORECAST_SD - 0.3) * (1.0 - progress)


MORNING_LOW_HOUR = 6.0  # where the latent path's diurnal shape is 0


def low_market_belief(spec: EventSpec, view: _PathView, ts: int) -> tuple[float, float]:
    """(mean, sd) of the day's minimum as the market sees it at ts (a KXLOWT* event, whose
    forecast is the low). Before dawn: the forecast low, corrected by how the temperature now
    runs against it, doubt shrinking towards 06:00. After dawn the minimum so far caps it;
    what is left is whether the evening cools below it before the climate day ends."""
    current = view.current(ts)
    if current is None:
        return spec.forecast, FORECAST_SD
    hour = (ts - spec.day_start_ts) / 3600.0
    observed = view.observed_min(ts)
    if hour >= 24.0 or observed is None:
        return (current if observed is None else observed), 0.05
    expected_now = spec.forecast + spec.city.diurnal_range * diurnal_shape(hour, MEAN_PEAK_HOUR)
    if hour < MORNING_LOW_HOUR:
        progress = hour / MORNING_LOW_HOUR
        mean = spec.forecast + (0.3 + 0.7 * progress) * (current - expected_now)
        return min(mean, current), 0.3 + (FORECAST_SD - 0.3) * (1.0 - progress)
    midnight = diurnal_shape(24.0, MEAN_PEAK_HOUR) - diurnal_shape(hour, MEAN_PEAK_HOUR)
    evening = current + spec.city.diurnal_range * midnight  # the path's end, as now runs
    return min(observed, evening), 0.3 + 1.2 * (24.0 - hour) / (24.0 - MORNING_LOW_HOUR)


def low_bracket_probabilities(
    low: int, mean: float, sd: float, observed: int | None
) -> tuple[float, ...]:
    """P(each market pays) when the low is min(observed, round(N(mean, sd)))."""

    def cdf(k: int) -> float:  # P(low <= k)
        if observed is not None and k >= observed:
            return 1.0
        return _phi((k + 0.5 - mean) / sd)

    c = [cdf(low - 1), cdf(low + 1), cdf(low + 3), cdf(low + 5), cdf(low + 7)]
    return (c[0], c[1] - c[0], c[2] - c[1], c[3] - c[2], c[4] - c[3], 1.0 - c[4])


def _probabilities(
    spec: EventSpec, view: _PathView, ts: int, low: int, drift: float
) -> tuple[float, ...]:
    """The market's belief at ts over the event's brackets, for a high or a low event."""
    if spec.settles_on_minimum:
        mean, sd = low_market_belief(spec, view, ts)
        seen = view.observed_min(ts)
        at = mean + drift * sd / FORECAST_SD
        return low_bracket_probabilities(low, at, sd, None if seen is None else round(seen))
    observed = view.observed_max(ts)
    mean, sd = market_belief(spec, view, ts)
    return bracket_probabilities(
        low, mean + drift * sd / FORECAST_SD, sd, None if observed is None else round(observed)
    )


def bracket_probabilities(
    low: int, mean: float, sd: float, observed: int | None
) -> tuple[float, ...]:
    """P(each market pays) when the high is max(observed, round(N(mean, sd)))."""

    def cdf(k: int) -> float:
        if observed is not None and k < observed:
            return 0.0
        return _phi((k + 0.5 - mean) / sd)

    c = [cdf(low - 1), cdf(low + 1), cdf(low + 3), cdf(low + 5), cdf(low + 7)]
    return (c[0], c[1] - c[0], c[2] - c[1], c[3] - c[2], c[4] - c[3], 1.0 - c[4])


_SPREADS = (1, 2, 2, 3, 3, 4, 2, 3)


def _quote(rng: random.Random, p: float, prev: Quote, sizes: tuple[int, ...]) -> Quote:
    mid = p * 100.0 + rng.gauss(0.0, 0.8)
    spread = 1 if (mid < 4 or mid > 96) else _SPREADS[rng.getrandbits(3)]
    bid = round(mid - spread / 2.0)
    bid = 0 if bid < 0 else 99 if bid > 99 else bid
    ask = bid + spread
    ask = bid + 1 if ask <= bid else 100 if ask > 100 else ask
    if mid < 0.6 and rng.random() < 0.5:
        bid = 0
    bid_size, ask_size = prev[2], prev[3]
    if bid != prev[0] or bid_size == 0 or rng.random() < 0.4:
        bid_size = sizes[rng.getrandbits(10)]
    if ask != prev[1] or ask_size == 0 or rng.random() < 0.4:
        ask_size = sizes[rng.getrandbits(10)]
    if bid == 0:
        bid_size = 0
    if ask == 100:
        ask_size = 0
    return (bid, ask, bid_size, ask_size)


def _lognormal_hundredths(mu: float, sigma: float, cap: float, whole: bool) -> tuple[int, ...]:
    """1024 draws of a lognormal contract count, in hundredths (whole contracts or 0.01)."""
    table_rng = random.Random(20261122)
    out = []
    for _ in range(1024):
        contracts = min(cap, table_rng.lognormvariate(mu, sigma))
        out.append(max(1, round(contracts)) * 100 if whole else max(1, round(contracts * 100)))
    return tuple(out)


_SIZES = {w: _lognormal_hundredths(3.6, 1.1, 3000.0, w) for w in (False, True)}


_COUNTS = {w: _lognormal_hundredths(2.6, 1.2, 2500.0, w) for w in (False, True)}


def _local_hour(spec: EventSpec, ts: int) -> float:
    return ((ts + spec.city.lst_offset_hours * 3600) % 86400) / 3600.0


def make_timeline(spec: EventSpec, whole: bool) -> EventTimeline:
    """Quotes and trades of every market from open to close (pure; a few ms)."""
    rng = random.Random(spec.seed ^ 0x5EED_CAFE)
    view = _PathView(spec)
    low = spec.markets[0].cap
    assert low is not None
    markets = tuple(MarketTimeline() for _ in spec.markets)
    prev: list[Quote] = [EMPTY_QUOTE] * len(spec.markets)
    oi = [0] * len(spec.markets)
    volume = [0] * len(spec.markets)
    drift = 0.0
    sizes = _SIZES[whole]
    ts = spec.open_ts
    while ts < spec.close_ts:
        drift = 0.98 * drift + rng.gauss(0.0, 0.25)
        probs = _probabilities(spec, view, ts, low, drift)
        for k, p in enumerate(probs):
            quote = _quote(rng, p, prev[k], sizes)
            if quote != prev[k]:
                markets[k].quote_ts.append(ts)
                markets[k].quotes.append(quote)
                prev[k] = quote
        hour = _local_hour(spec, ts)
        busy = 7.0 <= hour < 23.0
        gap = max(1, round(rng.expovariate(1.0 / (240.0 if busy else 900.0))))
        next_ts = min(spec.close_ts, ts + gap)
        _trades_between(rng, ts, next_ts, busy, probs, prev, markets, oi, volume, whole)
        ts = next_ts
    for k, market in enumerate(markets):
        market.quote_ts.append(spec.close_ts)
        market.quotes.append(EMPTY_QUOTE)
        del k
    return EventTimeline(markets)


def _trades_between(
    rng: random.Random,
    start: int,
    end: int,
    busy: bool,
    probs: tuple[float, ...],
    quotes: list[Quote],
    markets: tuple[MarketTimeline, ...],
    oi: list[int],
    volume: list[int],
    whole: bool,
) -> None:
    rate_per_s = (16.0 if busy else 2.0) / 3600.0
    weights = [p * (1.0 - p) + 0.02 for p in probs]
    t = start + rng.expovariate(rate_per_s)
    while t < end:
        k = rng.choices(range(len(weights)), weights)[0]
        bid, ask = quotes[k][0], quotes[k][1]
        taker_yes = rng.random() < 0.5
        price = ask if taker_yes else bid
        if 0 < price < 100:
            count = _COUNTS[whole][rng.getrandbits(10)]
            created_us = int(t * 1_000_000)
            trade_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            if rng.random() < 0.65 or oi[k] < count:
                oi[k] += count
            else:
                oi[k] -= count
            volume[k] += count
            market = markets[k]
            market.trade_us.append(created_us)
            market.trades.append(SimTrade(created_us, trade_id, price, count, taker_yes))
            market.cum_volume.append(volume[k])
            market.open_interest.append(oi[k])
        t += rng.expovariate(rate_per_s)
