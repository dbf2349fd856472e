"""Candles computed from a market's timeline: one per period with activity, plus the
synthetic candle `include_latest_before_start` asks for."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from kalshi_tape.sim.generator import MarketTimeline

US = 1_000_000


@dataclass(frozen=True, slots=True)
class Candle:
    """One candle in integer units; trade fields None when nothing traded."""

    end_ts: int
    bid: tuple[int, int, int, int]  # open, high, low, close (cents)
    ask: tuple[int, int, int, int]
    open: int | None
    high: int | None
    low: int | None
    close: int | None
    mean: Decimal | None  # cents, volume-weighted
    previous: int | None
    volume: int
    open_interest: int


def active_period_ends(tl: MarketTimeline, after: int, until: int, period: int) -> list[int]:
    ends: set[int] = set()
    qa = bisect.bisect_right(tl.quote_ts, after)
    qb = bisect.bisect_right(tl.quote_ts, until)
    for ts in tl.quote_ts[qa:qb]:
        ends.add(-(-ts // period) * period)
    ta = bisect.bisect_right(tl.trade_us, after * US)
    tb = bisect.bisect_right(tl.trade_us, until * US)
    p_us = period * US
    for us in tl.trade_us[ta:tb]:
        ends.add(-(-us // p_us) * period)
    return sorted(ends)


def candle(tl: MarketTimeline, end: int, period: int) -> Candle:
    start = end - period
    opening = tl.quote_at(start)
    qa = bisect.bisect_right(tl.quote_ts, start)
    qb = bisect.bisect_right(tl.quote_ts, end)
    quotes = [opening, *tl.quotes[qa:qb]]
    bids = [q[0] for q in quotes]
    asks = [q[1] for q in quotes]
    ta = bisect.bisect_right(tl.trade_us, start * US)
    tb = bisect.bisect_right(tl.trade_us, end * US)
    trades = tl.trades[ta:tb]
    previous = tl.trades[ta - 1].yes_cents if ta > 0 else None
    volume = sum(t.count_h for t in trades)
    oi = tl.open_interest[tb - 1] if tb > 0 else 0
    bid = (bids[0], max(bids), min(bids), bids[-1])
    ask = (asks[0], max(asks), min(asks), asks[-1])
    if not trades:
        return Candle(end, bid, ask, None, None, None, None, None, previous, 0, oi)
    prices = [t.yes_cents for t in trades]
    mean = Decimal(sum(t.yes_cents * t.count_h for t in trades)) / Decimal(volume)
    return Candle(
        end_ts=end,
        bid=bid,
        ask=ask,
        open=prices[0],
        high=max(prices),
        low=min(prices),
        close=prices[-1],
        mean=mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN),
        previous=previous,
        volume=volume,
        open_interest=oi,
    )


def synthetic_candle(tl: MarketTimeline, end: int, period: int) -> Candle | None:
    start = end - period
    if tl.quote_index(start) < 0 and tl.trade_count_at(start * US) == 0:
        return None
    q = tl.quote_at(start)
    previous = tl.last_price_at(start * US)
    bid, ask = (q[0],) * 4, (q[1],) * 4
    oi = tl.open_interest_at(start * US)
    return Candle(end, bid, ask, None, None, None, None, None, previous, 0, oi)
