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
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import NamedTuple
from zoneinfo import ZoneInfo

from kalshi_tape.sim.cities import City

PATH_STEP_S = 300
SETTLEMENT_TIMER_S = 3600
TWC_ERA_START = date(2026, 8, 14)
ET = ZoneInfo("America/New_York")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")

# A quote: (yes_bid_cents, yes_ask_cents, yes_bid_size_h, yes_ask_size_h). Empty book:
EMPTY_QUOTE: Quote = (0, 100, 0, 0)
Quote = tuple[int, int, int, int]
Level = tuple[int, int]  # (price cents, size hundredths)


class SimTrade(NamedTuple):
    created_us: int
    trade_id: str
    yes_cents: int
    count_h: int
    taker_yes: bool


@dataclass(frozen=True, slots=True)
class MarketSpec:
    ticker: str
    index: int
    strike_type: str  # "less" | "between" | "greater"
    floor: int | None
    cap: int | None
    yes_sub_title: str
    title: str
    rules_primary: str
    size_seed: int
    depth: int

    def pays(self, value: int) -> bool:
        """The bracket rule (weather.md §1.4): between inclusive, tails strict."""
        if self.strike_type == "between":
            assert self.floor is not None and self.cap is not None
            return self.floor <= value <= self.cap
        if self.strike_type == "greater":
            assert self.floor is not None
            return value > self.floor
        assert self.cap is not None
        return value < self.cap


@dataclass(frozen=True, slots=True)
class EventSpec:
    series: str
    city: City
    date: date
    event_ticker: str
    title: str
    sub_title: str
    created_us: int
    open_ts: int
    close_ts: int
    determination_ts: int
    settlement_ts: int
    expected_expiration_ts: int
    latest_expiration_ts: int
    occurrence_ts: int
    day_start_ts: int
    path: tuple[float, ...]
    daily_high: int
    forecast: float
    markets: tuple[MarketSpec, ...]
    rules_secondary: str
    early_close_condition: str
    twc_era: bool
    seed: int

    @property
    def created_ts(self) -> int:
        return self.created_us // 1_000_000

    def market(self, ticker: str) -> MarketSpec | None:
        for market in self.markets:
            if market.ticker == ticker:
                return market
        return None

    def result(self, market: MarketSpec) -> str:
        return "yes" if market.pays(self.daily_high) else "no"


@dataclass(slots=True)
class MarketTimeline:
    quote_ts: list[int] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    trade_us: list[int] = field(default_factory=list)
    trades: list[SimTrade] = field(default_factory=list)
    cum_volume: list[int] = field(default_factory=list)
    open_interest: list[int] = field(default_factory=list)

    def quote_index(self, ts: int) -> int:
        """Index of the quote in effect at second `ts` (-1 before the first)."""
        return bisect.bisect_right(self.quote_ts, ts) - 1

    def quote_at(self, ts: int) -> Quote:
        i = self.quote_index(ts)
        return self.quotes[i] if i >= 0 else EMPTY_QUOTE

    def trade_count_at(self, ts_us: int) -> int:
        """Number of trades created at or before `ts_us`."""
        return bisect.bisect_right(self.trade_us, ts_us)

    def volume_at(self, ts_us: int) -> int:
        n = self.trade_count_at(ts_us)
        return self.cum_volume[n - 1] if n else 0

    def open_interest_at(self, ts_us: int) -> int:
        n = self.trade_count_at(ts_us)
        return self.open_interest[n - 1] if n else 0

    def last_price_at(self, ts_us: int) -> int | None:
        n = self.trade_count_at(ts_us)
        return self.trades[n - 1].yes_cents if n else None


@dataclass(slots=True)
class EventTimeline:
    markets: tuple[MarketTimeline, ...]


# --------------------------------------------------------------------------- events


def event_seed(seed: int, series: str, day: date) -> int:
    digest = hashlib.sha256(f"{seed}|{series}|{day.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def event_ticker(series: str, day: date) -> str:
    return f"{series}-{day:%y}{MONTHS[day.month - 1]}{day.day:02d}"


def climate_day_start(city: City, day: date) -> datetime:
    """Midnight local standard time of `day`, as an aware UTC datetime."""
    lst = timezone(timedelta(hours=city.lst_offset_hours))
    return datetime.combine(day, time(0), lst).astimezone(UTC)


def climate_date_at(city: City, ts: float) -> date:
    """The LST climate date that contains Unix second `ts`."""
    return (datetime.fromtimestamp(ts, UTC) + timedelta(hours=city.lst_offset_hours)).date()


def _utc_ts(day: date, at: time, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, at, zone).timestamp())


def _normal_high(city: City, day: date) -> float:
    """Monthly normals interpolated linearly between mid-months."""
    month = day.month - 1
    frac = (day.day - 15) / 30.0
    other = (month + (1 if frac >= 0 else -1)) % 12
    return city.normal_highs[month] + (city.normal_highs[other] - city.normal_highs[month]) * abs(
        frac
    )


def _latent_path(rng: random.Random, city: City, day: date) -> tuple[float, ...]:
    """Temperatures every 5 min over the LST climate day: diurnal shape plus AR(1) noise."""
    high = _normal_high(city, day) + rng.gauss(0.0, city.anomaly_sd)
    amplitude = city.diurnal_range * rng.uniform(0.75, 1.2)
    peak_hour = rng.uniform(14.0, 16.5)
    noise = 0.0
    path = []
    for i in range(86400 // PATH_STEP_S):
        hour = i * PATH_STEP_S / 3600.0
        shape = _diurnal_shape(hour, peak_hour)
        noise = 0.97 * noise + rng.gauss(0.0, 0.35)
        path.append(round(high - amplitude * (1.0 - shape) + noise, 2))
    return tuple(path)


def _date_text(day: date, long: bool) -> str:
    if long:
        return f"{day:%B} {day.day:02d}, {day.year}"
    return f"{day:%b} {day.day}, {day.year}"


def _rules_primary(city: City, day: date, condition: str, twc: bool) -> str:
    if twc:
        return (
            f"If the maximum temperature recorded at {city.twc_name} for "
            f"{_date_text(day, False)}, is {condition} fahrenheit according to The Weather "
            "Company, then the market resolves to Yes."
        )
    return (
        f"If the highest temperature {city.rule_location} for {_date_text(day, True)}, is "
        f"{condition} according to the National Weather Service's Climatological Report "
        "(Daily), then the market resolves to Yes."
    )


def _rules_secondary(twc: bool) -> str:
    lead = (
        "Not all weather data is the same. While checking a source like AccuWeather or Google "
        "Weather may help guide your decision, the official and final value used to determine "
        "this market is the maximum/minimum temperature as reported by "
    )
    if twc:
        return lead + "the Weather Company."
    return lead + (
        "the corresponding NWS Climatological Report (Daily) linked in the rules above. "
        "Preliminary NWS reporting and measurement methods may be subject to underlying "
        "rounding and conversion nuances. Traders should exercise caution when interpreting "
        "preliminary NWS data."
    )


def _early_close(day: date) -> str:
    text = _date_text(day, True)
    return (
        f"The Last Trading Time will be 11:59 PM local time on {text} regardless of any data "
        "releases or events occurring. Expiration will occur on the sooner of the first 7:00 or "
        f"8:00 AM ET following the release of the data for {text}, or one week after {text}."
    )


def _markets(
    rng: random.Random, city: City, day: date, low: int, twc: bool, base: str
) -> tuple[MarketSpec, ...]:
    """Ladder: less-than `low`, four 2-degree brackets from `low`, greater-than `low + 7`."""
    shown = _date_text(day, False)
    out: list[MarketSpec] = []

    def add(suffix: str, kind: str, floor: int | None, cap: int | None) -> None:
        if kind == "less":
            assert cap is not None
            sub, title_cond, rule_cond = f"{cap - 1}° or below", f"<{cap}°", f"less than {cap}°"
        elif kind == "greater":
            assert floor is not None
            sub, title_cond = f"{floor + 1}° or above", f">{floor}°"
            rule_cond = f"greater than {floor}°"
        else:
            sub, title_cond = f"{floor}° to {cap}°", f"{floor}-{cap}°"
            rule_cond = f"between {floor}-{cap}°"
        out.append(
            MarketSpec(
                ticker=f"{base}-{suffix}",
                index=len(out),
                strike_type=kind,
                floor=floor,
                cap=cap,
                yes_sub_title=sub,
                title=f"Will the **high temp in {city.short_name}** be {title_cond} on {shown}?",
                rules_primary=_rules_primary(city, day, rule_cond, twc),
                size_seed=rng.getrandbits(32),
                depth=rng.randint(4, 9),
            )
        )

    add(f"T{low}", "less", None, low)
    for k in range(4):
        floor = low + 2 * k
        add(f"B{floor}.5", "between", floor, floor + 1)
    add(f"T{low + 7}", "greater", low + 7, None)
    return tuple(out)


def make_event(seed: int, city: City, day: date) -> EventSpec:
    """The skeleton of the event for `city` on climate date `day` (pure, ~0.3 ms)."""
    ev_seed = event_seed(seed, city.series, day)
    rng = random.Random(ev_seed)
    path = _latent_path(rng, city, day)
    true_max = max(path)
    daily_high = round(true_max)
    forecast = true_max + rng.gauss(0.0, 2.5)
    low = round(forecast) - 3
    twc = day >= TWC_ERA_START
    ticker = event_ticker(city.series, day)
    zone = ZoneInfo(city.iana_zone)
    open_ts = _utc_ts(day - timedelta(days=1), time(10), zone)
    day_start = int(climate_day_start(city, day).timestamp())
    close_ts = day_start + 86400 - 60
    created_us = (open_ts - 16200 + rng.randint(0, 120)) * 1_000_000 + rng.randint(0, 999_999)
    determination_ts = close_ts + 60 + 5 * 3600 + rng.randint(0, 2700)
    return EventSpec(
        series=city.series,
        city=city,
        date=day,
        event_ticker=ticker,
        title=f"Highest temperature in {city.short_name} on {_date_text(day, False)}?",
        sub_title=f"On {_date_text(day, False)}",
        created_us=created_us,
        open_ts=open_ts,
        close_ts=close_ts,
        determination_ts=determination_ts,
        settlement_ts=determination_ts + SETTLEMENT_TIMER_S,
        expected_expiration_ts=_utc_ts(day + timedelta(days=1), time(10), ET),
        latest_expiration_ts=_utc_ts(day + timedelta(days=7), time(10), ET),
        occurrence_ts=_utc_ts(day, time(10), ET),
        day_start_ts=day_start,
        path=path,
        daily_high=daily_high,
        forecast=forecast,
        markets=_markets(rng, city, day, low, twc, ticker),
        rules_secondary=_rules_secondary(twc),
        early_close_condition=_early_close(day),
        twc_era=twc,
        seed=ev_seed,
    )


# --------------------------------------------------------------------------- prices


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


class _PathView:
    """What the market can know of the latent path at time ts: the temperature now and the
    maximum so far. Nothing after ts (no look-ahead)."""

    def __init__(self, spec: EventSpec) -> None:
        self.start = spec.day_start_ts
        self.path = spec.path
        self.prefix = list(spec.path)
        for i in range(1, len(self.prefix)):
            self.prefix[i] = max(self.prefix[i - 1], self.prefix[i])

    def _index(self, ts: int) -> int | None:
        j = (ts - self.start) // PATH_STEP_S
        return None if j < 0 else min(j, len(self.path) - 1)

    def observed_max(self, ts: int) -> float | None:
        j = self._index(ts)
        return None if j is None else self.prefix[j]

    def current(self, ts: int) -> float | None:
        j = self._index(ts)
        return None if j is None else self.path[j]


# The market's model of a day: the forecast high, a mean diurnal shape peaking here.
MEAN_PEAK_HOUR = 15.25
FORECAST_SD = 2.5


def _diurnal_shape(hour: float, peak_hour: float) -> float:
    """0 at the morning low (06:00), 1 at the peak; the latent path uses the same curve."""
    if 6.0 <= hour <= peak_hour:
        return 0.5 - 0.5 * math.cos(math.pi * (hour - 6.0) / (peak_hour - 6.0))
    since_peak = (hour - peak_hour) % 24.0
    return 0.5 + 0.5 * math.cos(math.pi * since_peak / (30.0 - peak_hour))


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
        1.0 - _diurnal_shape(hour, MEAN_PEAK_HOUR)
    )
    progress = min(1.0, max(0.0, (hour - 6.0) / (MEAN_PEAK_HOUR - 6.0)))
    mean = spec.forecast + (0.3 + 0.7 * progress) * (current - expected_now)
    if hour > MEAN_PEAK_HOUR:  # cooling: little room left above the temperature now
        mean = min(mean, current + 2.0 * max(0.0, 17.5 - hour) / (17.5 - MEAN_PEAK_HOUR))
    return mean, 0.3 + (FORECAST_SD - 0.3) * (1.0 - progress)


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
        observed = view.observed_max(ts)
        mean, sd = market_belief(spec, view, ts)
        probs = bracket_probabilities(
            low, mean + drift * sd / FORECAST_SD, sd, None if observed is None else round(observed)
        )
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


# --------------------------------------------------------------------------- books


def _level_size(seed: int, side: int, price: int, whole: bool) -> int:
    x = (seed ^ (side * 0x9E3779B1) ^ (price * 0x85EBCA77)) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x2C1B3C6D) & 0xFFFFFFFF
    x ^= x >> 12
    contracts = 5 + x % 800
    if whole:
        return contracts * 100
    return contracts * 100 + (x >> 20) % 100


def book_levels(market: MarketSpec, quote: Quote, whole: bool) -> tuple[list[Level], list[Level]]:
    """The full book implied by a quote: (yes bids, no bids), each ascending by price."""
    bid, ask, bid_size, ask_size = quote
    yes = _side_levels(market, 0, bid, bid_size, whole)
    no = _side_levels(market, 1, 100 - ask, ask_size, whole)
    return yes, no


@functools.lru_cache(maxsize=4096)
def _ladder(seed: int, side: int, whole: bool) -> tuple[int, ...]:
    """Resting size behind the best level at every price (0 = a hole in the ladder)."""
    sizes = [_level_size(seed, side, price, whole) for price in range(101)]
    return tuple(0 if size % 3 == 0 else size for size in sizes)


def _side_levels(
    market: MarketSpec, side: int, best: int, best_size: int, whole: bool
) -> list[Level]:
    if best <= 0 or best_size <= 0:
        return []
    ladder = _ladder(market.size_seed, side, whole)
    levels = [(best, best_size)]
    for price in range(best - 1, max(0, best - market.depth * 2), -1):
        size = ladder[price]
        if size:
            levels.append((price, size))
            if len(levels) >= market.depth:
                break
    levels.reverse()
    return levels
