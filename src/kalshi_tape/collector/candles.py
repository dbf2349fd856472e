"""Own 1-minute candles from the collected quotes and trades (source `collector`).

Kalshi's conventions: the period ending at E (a multiple of 60 s) covers (E - 60, E] in
exchange time; a candle exists only when a quote changed or a trade happened in it;
yes_bid/yes_ask open is the quote in force at the period start; price holds the traded
YES open/high/low/close, the volume-weighted mean, min/max (= low/high) and `previous`
(the last trade before the period); volume is the period's, open interest the last
known at its end. A missing bid counts as 0, a missing ask as 1 (Kalshi's convention).

A period is finalized once exchange time (the newest exchange stamp seen) passes its end
by `grace_ms`, and emitted. A trade found later (by the REST sweep) for one of the last
`keep_closed` periods updates that candle and emits it again (the table upserts by key);
older ones are only counted in `late`.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from kalshi_tape.core.domain import Candlestick, QuoteOHLC, TradeOHLC
from kalshi_tape.core.money import Count, Price
from kalshi_tape.storage.records import CandleRecord

PERIOD_MS = 60_000
NO_BID = Price("0")
NO_ASK = Price("1")
ZERO = Count("0")
_MEAN_QUANTUM = Decimal("0.000001")


def period_end_s(ts_ms: int) -> int:
    """End (Unix seconds) of the 1-minute period (E - 60, E] holding `ts_ms`."""
    return -(-ts_ms // PERIOD_MS) * 60


@dataclass(slots=True)
class _Period:
    end_s: int
    bids: list[Price]
    asks: list[Price]
    previous: Price | None
    prices: list[tuple[int, Price, Count]] = field(default_factory=list)  # (ts_ms, p, n)
    open_interest: Count = ZERO
    active: bool = False

    def candle(self) -> Candlestick:
        trades = sorted(self.prices, key=lambda t: t[0])  # a late trade may arrive last
        volume = Count(sum((c for _, _, c in trades), Decimal(0)))
        price = TradeOHLC(previous=self.previous)
        if trades:
            values = [p for _, p, _ in trades]
            notional = sum((p * c for _, p, c in trades), Decimal(0))
            mean = (notional / volume).quantize(_MEAN_QUANTUM, ROUND_HALF_EVEN) if volume else None
            price = TradeOHLC(
                open=values[0],
                high=max(values),
                low=min(values),
                close=values[-1],
                mean=Price(mean) if mean is not None else None,
                previous=self.previous,
                min=min(values),
                max=max(values),
            )
        bid = QuoteOHLC(self.bids[0], max(self.bids), min(self.bids), self.bids[-1])
        ask = QuoteOHLC(self.asks[0], max(self.asks), min(self.asks), self.asks[-1])
        return Candlestick(self.end_s, bid, ask, price, volume, self.open_interest)


@dataclass(slots=True)
class _Market:
    bid: Price = NO_BID  # quote in force
    ask: Price = NO_ASK
    previous: Price | None = None  # last trade before the open period
    open_interest: Count = ZERO
    current: _Period | None = None
    closed: OrderedDict[int, _Period] = field(default_factory=OrderedDict)


class CandleBuilder:
    def __init__(self, grace_ms: int = 2_000, keep_closed: int = 240) -> None:
        self.grace_ms = grace_ms
        self.keep_closed = keep_closed
        self._markets: dict[str, _Market] = {}
        self.done: list[CandleRecord] = []
        self.late = 0  # trades for periods no longer kept (stored, not in a candle)

    def _market(self, ticker: str) -> _Market:
        m = self._markets.get(ticker)
        if m is None:
            m = self._markets[ticker] = _Market()
        return m

    def _period(self, ticker: str, m: _Market, ts_ms: int) -> _Period | None:
        """The open period holding `ts_ms` (opening it, closing the previous one); None
        when `ts_ms` belongs to a period already closed."""
        end = period_end_s(ts_ms)
        current = m.current
        if current is not None and current.end_s == end:
            return current
        # `closed` is kept in order: its last key is the latest closed period (O(1))
        if (current is not None and current.end_s > end) or end <= next(reversed(m.closed), 0):
            return None
        if current is not None:
            self._close(ticker, m)
        m.current = _Period(end, [m.bid], [m.ask], m.previous, open_interest=m.open_interest)
        return m.current

    def quote(self, ticker: str, ts_ms: int, bid: Price | None, ask: Price | None) -> None:
        bid, ask = bid if bid is not None else NO_BID, ask if ask is not None else NO_ASK
        m = self._market(ticker)
        if bid == m.bid and ask == m.ask:
            return
        period = self._period(ticker, m, ts_ms)  # opens with the quote in force before
        m.bid, m.ask = bid, ask
        if period is not None:
            period.bids.append(bid)
            period.asks.append(ask)
            period.active = True

    def trade(self, ticker: str, ts_ms: int, price: Price, count: Count) -> None:
        m = self._market(ticker)
        period = self._period(ticker, m, ts_ms)
        if period is None:
            self._late_trade(ticker, m, ts_ms, price, count)
            return
        period.prices.append((ts_ms, price, count))
        period.active = True
        m.previous = price

    def _late_trade(self, ticker: str, m: _Market, ts_ms: int, price: Price, count: Count) -> None:
        end = period_end_s(ts_ms)
        period = m.closed.get(end)
        if period is None:
            prior = [p for e, p in m.closed.items() if e < end]
            if not prior:
                self.late += 1
                return
            # a minute that had no activity: quotes as the previous kept minute closed
            last = prior[-1]
            previous = max(last.prices)[1] if last.prices else last.previous
            period = _Period(end, [last.bids[-1]], [last.asks[-1]], previous)
            period.open_interest = last.open_interest
            m.closed[end] = period
            m.closed = OrderedDict(sorted(m.closed.items()))
        period.prices.append((ts_ms, price, count))
        period.active = True
        self.done.append(CandleRecord(ticker, 1, "collector", period.candle()))

    def open_interest(self, ticker: str, value: Count) -> None:
        m = self._market(ticker)
        m.open_interest = value
        if m.current is not None:
            m.current.open_interest = value

    def close_until(self, exchange_now_ms: int) -> list[CandleRecord]:
        """Finalize every period that ended `grace_ms` before `exchange_now_ms`; return and
        clear everything finished (or corrected) so far."""
        for ticker, m in self._markets.items():
            current = m.current
            if current is not None and current.end_s * 1000 + self.grace_ms <= exchange_now_ms:
                self._close(ticker, m)
        out, self.done = self.done, []
        return out

    def forget(self, ticker: str) -> None:
        m = self._markets.pop(ticker, None)
        if m is not None and m.current is not None:
            self._close(ticker, m)

    def _close(self, ticker: str, m: _Market) -> None:
        period = m.current
        if period is None:
            return
        m.current = None
        if period.active:
            self.done.append(CandleRecord(ticker, 1, "collector", period.candle()))
        m.closed[period.end_s] = period
        while len(m.closed) > self.keep_closed:
            m.closed.popitem(last=False)
