"""The simulator's generated data types in integer units: prices in cents (1-cent ticks),
counts in hundredths of a contract, times in Unix seconds (trades: microseconds)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from kalshi_tape.sim.cities import City

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
    daily_low: int
    forecast: float  # of the settling extreme: the high, or the low for a daily-low event
    markets: tuple[MarketSpec, ...]
    rules_secondary: str
    early_close_condition: str
    twc_era: bool
    seed: int
    settles_on_minimum: bool = False  # a daily-low event (KXLOWT*)

    @property
    def settlement_value(self) -> int:
        """The whole-°F value the markets settle on: the day's low or high."""
        return self.daily_low if self.settles_on_minimum else self.daily_high

    @property
    def created_ts(self) -> int:
        return self.created_us // 1_000_000

    def market(self, ticker: str) -> MarketSpec | None:
        for market in self.markets:
            if market.ticker == ticker:
                return market
        return None

    def result(self, market: MarketSpec) -> str:
        return "yes" if market.pays(self.settlement_value) else "no"


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
