"""Request planning: the fewest candle and trade requests that cover the targets.

Kalshi's candle limits count *slots*: period ends inside [start_ts, end_ts] (multiples
of the period) times the markets asked for.
  - event candlesticks: one event's markets, <= 5,000 slots; longer spans are cut and
    continue from `adjusted_end_ts`.
  - batch candlesticks: <= 100 tickers sharing one time range, <= 10,000 slots.
  - historical candlesticks: one market settled before the cutoff, <= 5,000 slots.
For each period the planner prices the event route and a greedy time-ordered batch
packing for the live markets, keeps the cheaper, and gives every settled-before-cutoff
market its own historical requests. Trades need one paginated request stream per
market and side of the trade cutoff; markets with no volume need none.

Everything here is pure: no I/O, no clock. Each request has a stable `key`, the unit of
resume: a request whose key is in `backfill_progress` is not sent again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

EVENT_SLOT_LIMIT = 5_000
BATCH_SLOT_LIMIT = 10_000
BATCH_TICKER_LIMIT = 100
SINGLE_SLOT_LIMIT = 5_000
PERIODS = (1, 60, 1440)

CandleRoute = Literal["event", "batch", "historical"]
TradeRoute = Literal["live", "historical"]


@dataclass(frozen=True, slots=True)
class MarketTarget:
    """What the planner needs to know of one market."""

    ticker: str
    event_ticker: str
    series_ticker: str
    open_ts: int
    close_ts: int
    historical: bool  # settled before the market cutoff: only under /historical
    has_volume: bool
    settled: bool

    def closed_by(self, now_ts: int) -> bool:
        """No trading after close: its candles and trades can no longer change."""
        return self.close_ts <= now_ts


@dataclass(frozen=True, slots=True)
class CandleRequest:
    route: CandleRoute
    period: int
    start_ts: int
    end_ts: int
    tickers: tuple[str, ...]
    series_ticker: str = ""
    event_ticker: str = ""
    final: bool = True  # every market in it has closed: checkpoint it

    @property
    def slots(self) -> int:
        return slot_count(self.start_ts, self.end_ts, self.period) * len(self.tickers)

    @property
    def key(self) -> str:
        scope = self.event_ticker if self.route == "event" else ",".join(self.tickers)
        return f"candles:{self.route}:{self.period}:{scope}:{self.start_ts}-{self.end_ts}"


@dataclass(frozen=True, slots=True)
class TradeRequest:
    route: TradeRoute
    ticker: str
    min_ts: int
    max_ts: int
    final: bool = True  # the market has closed: checkpoint it

    @property
    def key(self) -> str:
        return f"trades:{self.route}:{self.ticker}:{self.min_ts}-{self.max_ts}"


@dataclass(frozen=True, slots=True)
class Plan:
    candles: tuple[CandleRequest, ...]
    trades: tuple[TradeRequest, ...]

    @property
    def request_lower_bound(self) -> int:
        """Requests the plan needs at the least: one per candle request and one per trade
        stream (a trade stream with more than one page of trades needs more)."""
        return len(self.candles) + len(self.trades)

    def without(self, finished: set[str]) -> Plan:
        """The plan minus requests already checkpointed (only final ones ever are)."""
        return Plan(
            candles=tuple(r for r in self.candles if r.key not in finished),
            trades=tuple(r for r in self.trades if r.key not in finished),
        )


# --------------------------------------------------------------------------- slots


def first_period_end(ts: int, period: int) -> int:
    """The first period end >= ts."""
    step = period * 60
    return -(-ts // step) * step


def last_period_end(ts: int, period: int) -> int:
    """The last period end <= ts."""
    step = period * 60
    return ts // step * step


def slot_count(start_ts: int, end_ts: int, period: int) -> int:
    """Period ends within [start_ts, end_ts]."""
    first, last = first_period_end(start_ts, period), last_period_end(end_ts, period)
    return 0 if last < first else (last - first) // (period * 60) + 1


def candle_window(market: MarketTarget, period: int, now_ts: int) -> tuple[int, int] | None:
    """[start, end] holding every candle of a market: from its open to the end of the
    period containing its close (capped at now for live markets); None if empty."""
    start = market.open_ts
    end = min(first_period_end(market.close_ts, period), last_period_end(now_ts, period))
    return (start, end) if slot_count(start, end, period) > 0 else None


def split_window(start: int, end: int, period: int, max_slots: int) -> list[tuple[int, int]]:
    """Cut [start, end] into consecutive ranges of at most `max_slots` period ends."""
    chunks = []
    step = period * 60
    cursor = first_period_end(start, period)
    last = last_period_end(end, period)
    chunk_start = start
    while cursor <= last:
        chunk_end = min(cursor + (max_slots - 1) * step, last)
        chunks.append((chunk_start, chunk_end))
        cursor = chunk_end + step
        chunk_start = chunk_end + 1
    return chunks


# --------------------------------------------------------------------------- candles


def plan_candles(
    markets: Sequence[MarketTarget], periods: Iterable[int], now_ts: int
) -> list[CandleRequest]:
    requests: list[CandleRequest] = []
    for period in periods:
        live = [m for m in markets if not m.historical]
        requests += _cheaper(_event_route(live, period, now_ts), _batch_route(live, period, now_ts))
        requests += _historical_route([m for m in markets if m.historical], period, now_ts)
    return requests


def _cheaper(a: list[CandleRequest] | None, b: list[CandleRequest]) -> list[CandleRequest]:
    return a if a is not None and len(a) <= len(b) else b


def _event_route(
    markets: Sequence[MarketTarget], period: int, now_ts: int
) -> list[CandleRequest] | None:
    """None when an event has more markets than one request may hold slots for."""
    requests = []
    for event_ticker, members in _by_event(markets).items():
        if len(members) > EVENT_SLOT_LIMIT:
            return None
        windows = [w for m in members if (w := candle_window(m, period, now_ts))]
        if not windows:
            continue
        start, end = min(w[0] for w in windows), max(w[1] for w in windows)
        final = all(m.closed_by(now_ts) for m in members)
        for chunk_start, chunk_end in split_window(
            start, end, period, EVENT_SLOT_LIMIT // len(members)
        ):
            requests.append(
                CandleRequest(
                    route="event",
                    period=period,
                    start_ts=chunk_start,
                    end_ts=chunk_end,
                    tickers=tuple(sorted(m.ticker for m in members)),
                    series_ticker=members[0].series_ticker,
                    event_ticker=event_ticker,
                    final=final,
                )
            )
    return requests


def _by_event(markets: Sequence[MarketTarget]) -> dict[str, list[MarketTarget]]:
    grouped: dict[str, list[MarketTarget]] = {}
    for market in markets:
        grouped.setdefault(market.event_ticker, []).append(market)
    return grouped


def _batch_route(markets: Sequence[MarketTarget], period: int, now_ts: int) -> list[CandleRequest]:
    """Greedy packing in time order: extend the current group while the union window
    times its size stays within the batch limits."""
    windowed = sorted(
        ((w, m) for m in markets if (w := candle_window(m, period, now_ts))),
        key=lambda item: (item[0][0], item[0][1], item[1].ticker),
    )
    requests: list[CandleRequest] = []
    group: list[MarketTarget] = []
    start = end = 0
    for (w_start, w_end), market in windowed:
        if slot_count(w_start, w_end, period) > BATCH_SLOT_LIMIT:
            requests += _split_single(
                market, w_start, w_end, period, BATCH_SLOT_LIMIT, "batch", now_ts
            )
            continue
        new_start, new_end = (min(start, w_start), max(end, w_end)) if group else (w_start, w_end)
        fits = len(group) < BATCH_TICKER_LIMIT and (
            slot_count(new_start, new_end, period) * (len(group) + 1) <= BATCH_SLOT_LIMIT
        )
        if group and not fits:
            requests.append(_batch(group, start, end, period, now_ts))
            group, new_start, new_end = [], w_start, w_end
        group.append(market)
        start, end = new_start, new_end
    if group:
        requests.append(_batch(group, start, end, period, now_ts))
    return requests


def _batch(
    group: list[MarketTarget], start: int, end: int, period: int, now_ts: int
) -> CandleRequest:
    tickers = tuple(sorted(m.ticker for m in group))
    final = all(m.closed_by(now_ts) for m in group)
    return CandleRequest("batch", period, start, end, tickers, final=final)


def _split_single(
    market: MarketTarget,
    start: int,
    end: int,
    period: int,
    limit: int,
    route: CandleRoute,
    now_ts: int,
) -> list[CandleRequest]:
    final = market.closed_by(now_ts)
    return [
        CandleRequest(route, period, s, e, (market.ticker,), final=final)
        for s, e in split_window(start, end, period, limit)
    ]


def _historical_route(
    markets: Sequence[MarketTarget], period: int, now_ts: int
) -> list[CandleRequest]:
    requests = []
    for market in markets:
        window = candle_window(market, period, now_ts)
        if window:
            requests += _split_single(
                market, *window, period, SINGLE_SLOT_LIMIT, "historical", now_ts
            )
    return requests


# --------------------------------------------------------------------------- trades


def plan_trades(
    markets: Sequence[MarketTarget], trades_cutoff_ts: int, now_ts: int
) -> list[TradeRequest]:
    """One request stream per market and side of the trade cutoff. The boundary second is
    asked of both sides: each endpoint holds only its own partition, so nothing repeats."""
    requests = []
    for market in markets:
        if not market.has_volume:
            continue
        low, high = market.open_ts, min(market.close_ts, now_ts)
        final = market.closed_by(now_ts)
        if low < trades_cutoff_ts:
            upper = min(high, trades_cutoff_ts)
            requests.append(TradeRequest("historical", market.ticker, low, upper, final))
        if high >= trades_cutoff_ts:
            lower = max(low, trades_cutoff_ts)
            requests.append(TradeRequest("live", market.ticker, lower, high, final))
    return requests


def make_plan(
    markets: Sequence[MarketTarget],
    periods: Iterable[int],
    *,
    trades: bool,
    trades_cutoff_ts: int,
    now_ts: int,
) -> Plan:
    return Plan(
        candles=tuple(plan_candles(markets, periods, now_ts)),
        trades=tuple(plan_trades(markets, trades_cutoff_ts, now_ts)) if trades else (),
    )
