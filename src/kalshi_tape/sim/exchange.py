"""The simulated exchange's state: which events exist at the market clock, their markets'
current values, books, trades, candles and the stream of changes as the clock advances.

Everything is derived from the generator, so state is a function of (config, now). Reads
first `sync()` the exchange to the clock: that emits every change since the last sync to the
stream listeners, so REST answers and WebSocket snapshots see the same instant.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.parse.tickers import event_date
from kalshi_tape.sim.books import BookLevels
from kalshi_tape.sim.candles import Candle, active_period_ends, candle, synthetic_candle
from kalshi_tape.sim.cities import CITIES, City
from kalshi_tape.sim.clock import SimClock
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.generator import (
    EventSpec,
    EventTimeline,
    MarketSpec,
    MarketTimeline,
    Quote,
    SimTrade,
    book_levels,
    climate_date_at,
    make_event,
    make_timeline,
)
from kalshi_tape.sim.stream_items import (
    BookChange,
    EventCreated,
    Lifecycle,
    Listener,
    StreamItem,
    TickerChange,
    TradeEvent,
    market_changes,
)

__all__ = [
    "DAY_S",
    "US",
    "BookChange",
    "Candle",
    "EventCreated",
    "Exchange",
    "Lifecycle",
    "Listener",
    "MarketState",
    "StreamItem",
    "TickerChange",
    "TradeEvent",
    "market_status",
    "parse_event_ticker",
]

US = 1_000_000
DAY_S = 86400


@dataclass(frozen=True, slots=True)
class MarketState:
    """A market's values at the exchange's current instant (integer units)."""

    event: EventSpec
    market: MarketSpec
    status: str
    quote: Quote
    last_price: int
    volume: int
    volume_24h: int
    open_interest: int
    previous_quote: Quote
    previous_price: int
    updated_us: int

    @property
    def determined(self) -> bool:
        return self.status in ("determined", "finalized")

    @property
    def settled(self) -> bool:
        return self.status == "finalized"


def market_status(spec: EventSpec, now_s: int) -> str:
    """REST status of the event's markets at `now_s` (all six share one timeline)."""
    if now_s < spec.open_ts:
        return "initialized"
    if now_s < spec.close_ts:
        return "active"
    if now_s < spec.determination_ts:
        return "closed"
    if now_s < spec.settlement_ts:
        return "determined"
    return "finalized"


def parse_event_ticker(ticker: str) -> tuple[str, date] | None:
    series, _, code = ticker.partition("-")
    day = event_date(ticker) if len(code) == 7 and series in CITIES else None
    return None if day is None else (series, day)


class Exchange:
    def __init__(self, config: SimConfig, clock: SimClock | None = None) -> None:
        self.config = config
        start = config.now or datetime.now(UTC)
        self.clock = clock or SimClock(int(start.timestamp() * 1e9), config.speed)
        self.start_s = int(start.timestamp())
        unknown = [s for s in config.series if s not in CITIES]
        if unknown:
            raise ConfigError(
                "series", f"unknown series {', '.join(unknown)} (known: {', '.join(CITIES)})"
            )
        self.series = tuple(config.series)
        self._events: dict[tuple[str, date], EventSpec] = {}
        self._timelines: dict[str, EventTimeline] = {}
        self._events_cache: dict[tuple[str | None, int], list[EventSpec]] = {}
        self._now_us = self.clock.now_ns() // 1000
        self.listeners: list[Listener] = []
        self.stream_enabled: Callable[[], bool] = lambda: bool(self.listeners)

    # ------------------------------------------------------------------ time

    @property
    def now_us(self) -> int:
        return self._now_us

    @property
    def now_s(self) -> int:
        return self._now_us // US

    def sync(self) -> None:
        """Advance to the clock, emitting every change since the last sync."""
        now_us = self.clock.now_ns() // 1000
        if now_us <= self._now_us:
            return
        last = self._now_us
        self._now_us = now_us
        if self.listeners and self.stream_enabled():
            items = self._changes(last, now_us)
            if items:
                for listener in list(self.listeners):
                    listener(items)

    def cutoff_s(self) -> int:
        """Both historical cutoffs (market settled / trade created), Unix seconds."""
        return self.now_s - self.config.historical_days * DAY_S

    # ------------------------------------------------------------------ events

    def event(self, series: str, day: date) -> EventSpec:
        key = (series, day)
        spec = self._events.get(key)
        if spec is None:
            spec = make_event(self.config.seed, CITIES[series], day)
            self._events[key] = spec
        return spec

    def timeline(self, spec: EventSpec) -> EventTimeline:
        tl = self._timelines.get(spec.event_ticker)
        if tl is None:
            tl = make_timeline(spec, self.config.whole)
            self._timelines[spec.event_ticker] = tl
        return tl

    def first_date(self, city: City) -> date:
        return climate_date_at(city, self.start_s) - timedelta(days=self.config.days)

    def dates(self, series: str) -> list[date]:
        """Climate dates of the series' existing events, newest first."""
        city = CITIES[series]
        last = climate_date_at(city, self.now_s) + timedelta(days=2)
        while last >= self.first_date(city) and self.event(series, last).created_us > self.now_us:
            last -= timedelta(days=1)
        first = self.first_date(city)
        return [last - timedelta(days=i) for i in range((last - first).days + 1)]

    def events(self, series: str | None = None) -> list[EventSpec]:
        """Existing events, newest climate date first, then in series order."""
        key = (series, self.now_s)
        cached = self._events_cache.get(key)
        if cached is None:
            if len(self._events_cache) > 64:
                self._events_cache.clear()
            cached = self._events_cache[key] = self._list_events(series)
        return list(cached)

    def _list_events(self, series: str | None) -> list[EventSpec]:
        chosen = self.series if series is None else (series,) if series in self.series else ()
        per_series = {s: self.dates(s) for s in chosen}
        all_dates = sorted({d for ds in per_series.values() for d in ds}, reverse=True)
        out = []
        for day in all_dates:
            for s in chosen:
                if day in per_series[s]:
                    out.append(self.event(s, day))
        return out

    def find_event(self, event_ticker: str) -> EventSpec | None:
        parsed = parse_event_ticker(event_ticker)
        if parsed is None or parsed[0] not in self.series:
            return None
        series, day = parsed
        city = CITIES[series]
        if day < self.first_date(city):
            return None
        spec = self.event(series, day)
        return spec if spec.created_us <= self.now_us else None

    def find_market(self, ticker: str) -> tuple[EventSpec, MarketSpec] | None:
        event_part, _, _ = ticker.rpartition("-")
        spec = self.find_event(event_part)
        if spec is None:
            return None
        market = spec.market(ticker)
        return None if market is None else (spec, market)

    def is_historical(self, spec: EventSpec) -> bool:
        """Settled before the market cutoff: only under /historical."""
        return spec.settlement_ts < self.cutoff_s() and spec.settlement_ts <= self.now_s

    # ------------------------------------------------------------------ market values

    def market_timeline(self, spec: EventSpec, market: MarketSpec) -> MarketTimeline:
        return self.timeline(spec).markets[market.index]

    def state(self, spec: EventSpec, market: MarketSpec) -> MarketState:
        now_s, now_us = self.now_s, self.now_us
        status = market_status(spec, now_s)
        updated = spec.created_us
        if status in ("determined", "finalized"):
            updated = spec.determination_ts * US
        if status == "finalized":
            updated = spec.settlement_ts * US
        if status == "initialized":
            empty = (0, 100, 0, 0)
            return MarketState(spec, market, status, empty, 0, 0, 0, 0, (0, 0, 0, 0), 0, updated)
        tl = self.market_timeline(spec, market)
        day_ago = now_s - DAY_S
        volume = tl.volume_at(now_us)
        prev_quote = tl.quote_at(day_ago) if tl.quote_index(day_ago) >= 0 else (0, 0, 0, 0)
        return MarketState(
            event=spec,
            market=market,
            status=status,
            quote=tl.quote_at(now_s),
            last_price=tl.last_price_at(now_us) or 0,
            volume=volume,
            volume_24h=volume - tl.volume_at(day_ago * US),
            open_interest=tl.open_interest_at(now_us),
            previous_quote=prev_quote,
            previous_price=tl.last_price_at(day_ago * US) or 0,
            updated_us=updated,
        )

    def book(self, ticker: str) -> BookLevels | None:
        found = self.find_market(ticker)
        if found is None:
            return None
        spec, market = found
        if market_status(spec, self.now_s) != "active":
            return [], []
        quote = self.market_timeline(spec, market).quote_at(self.now_s)
        return book_levels(market, quote, self.config.whole)

    # ------------------------------------------------------------------ trades

    def trades(
        self,
        *,
        ticker: str | None,
        lo_us: int,
        hi_us: int,
        before: tuple[int, str] | None,
        limit: int,
    ) -> tuple[list[tuple[str, SimTrade]], tuple[int, str] | None]:
        """Trades with lo_us <= created_us <= hi_us, newest first, strictly after `before`
        in that order. Returns (page, key to continue from or None)."""
        hi_us = min(hi_us, self.now_us)
        if before is not None:
            hi_us = min(hi_us, before[0])
        candidates, only = self._trade_candidates(ticker, lo_us, hi_us)
        rows: list[tuple[int, str, str, SimTrade]] = []
        exhausted = True
        for spec in candidates:
            if len(rows) >= limit:
                rows.sort(reverse=True)
                del rows[limit + 1 :]
                if spec.close_ts * US < rows[limit - 1][0]:
                    exhausted = False
                    break
            markets = (only,) if only else spec.markets
            for market in markets:
                rows += self._trades_in(spec, market, lo_us, hi_us, before)
        rows.sort(reverse=True)
        more = len(rows) > limit or not exhausted
        page = rows[:limit]
        next_key = (page[-1][0], page[-1][1]) if more and page else None
        return [(r[2], r[3]) for r in page], next_key

    def _trade_candidates(
        self, ticker: str | None, lo_us: int, hi_us: int
    ) -> tuple[list[EventSpec], MarketSpec | None]:
        """Events that may hold trades in [lo_us, hi_us], latest close first, and the one
        market asked for (None: every market of each event)."""
        if ticker is not None:
            found = self.find_market(ticker)
            candidates = [found[0]] if found else []
            only = found[1] if found else None
        else:
            candidates = [e for e in self.events() if e.open_ts * US <= hi_us]
            only = None
        candidates = [e for e in candidates if e.close_ts * US >= lo_us]
        candidates.sort(key=lambda e: e.close_ts, reverse=True)
        return candidates, only

    def _trades_in(
        self,
        spec: EventSpec,
        market: MarketSpec,
        lo_us: int,
        hi_us: int,
        before: tuple[int, str] | None,
    ) -> list[tuple[int, str, str, SimTrade]]:
        tl = self.market_timeline(spec, market)
        a = bisect.bisect_left(tl.trade_us, lo_us)
        b = bisect.bisect_right(tl.trade_us, hi_us)
        return [
            (trade.created_us, trade.trade_id, market.ticker, trade)
            for trade in tl.trades[a:b]
            if before is None or (trade.created_us, trade.trade_id) < before
        ]

    # ------------------------------------------------------------------ candles

    def candles(
        self,
        spec: EventSpec,
        market: MarketSpec,
        start_ts: int,
        end_ts: int,
        period_min: int,
        include_latest_before_start: bool = False,
    ) -> list[Candle]:
        period = period_min * 60
        first_end = -(-start_ts // period) * period
        last_end = min(end_ts, self.now_s) // period * period
        if first_end > last_end or market_status(spec, self.now_s) == "initialized":
            return []
        tl = self.market_timeline(spec, market)
        ends = active_period_ends(tl, first_end - period, last_end, period)
        out = [candle(tl, end, period) for end in ends]
        if include_latest_before_start and (not ends or ends[0] != first_end):
            synthetic = synthetic_candle(tl, first_end, period)
            if synthetic is not None:
                out.insert(0, synthetic)
        return out

    # ------------------------------------------------------------------ stream

    def live_events(self, lo_us: int, hi_us: int) -> Iterator[EventSpec]:
        """Events with anything to stream in (lo_us, hi_us]."""
        for series in self.series:
            city = CITIES[series]
            first = self.first_date(city)
            day = climate_date_at(city, hi_us // US) + timedelta(days=2)
            stop = climate_date_at(city, lo_us // US) - timedelta(days=2)
            while day >= max(first, stop):
                spec = self.event(series, day)
                if spec.created_us <= hi_us and spec.settlement_ts * US > lo_us:
                    yield spec
                day -= timedelta(days=1)

    def _changes(self, lo_us: int, hi_us: int) -> list[StreamItem]:
        timed: list[tuple[int, int, StreamItem]] = []
        whole = self.config.whole
        for spec in self.live_events(lo_us, hi_us):
            if lo_us < spec.created_us <= hi_us:
                timed.append((spec.created_us, 0, EventCreated(spec.created_us, spec)))
                for m in spec.markets:
                    timed.append(
                        (spec.created_us, 1, Lifecycle(spec.created_us, "created", spec, m))
                    )
            for ts, kind in (
                (spec.determination_ts, "determined"),
                (spec.settlement_ts, "settled"),
            ):
                if lo_us < ts * US <= hi_us:
                    timed.extend(
                        (ts * US, 1, Lifecycle(ts * US, kind, spec, m)) for m in spec.markets
                    )
            if spec.open_ts * US > hi_us or spec.close_ts * US < lo_us:
                continue
            tl = self.timeline(spec)
            for market, mtl in zip(spec.markets, tl.markets, strict=True):
                market_changes(spec, market, mtl, lo_us, hi_us, whole, timed)
        timed.sort(key=lambda x: (x[0], x[1]))
        return [item for _, _, item in timed]

    def state_at(self, spec: EventSpec, market: MarketSpec, ts_us: int) -> MarketState:
        """The market's state at an earlier instant `ts_us` (for streamed ticker updates)."""
        saved = self._now_us
        self._now_us = ts_us
        try:
            return self.state(spec, market)
        finally:
            self._now_us = saved
