"""The book engine: a strategy's bar loop over an order book feed, with depth-aware fills.

It runs the backtest's tape mode (`tape`: the recorded book and trades from the warehouse)
and paper trading (`paper.engine`: the live feed), fed the same messages in the same order.

Time is the exchange's: bar k ends at a multiple of the bar period (`bar_s`, 60 s by
default) and holds every message stamped in (end − period, end]. A bar closes when the first
message after its end arrives (deltas and trades by exchange time, snapshots by receive
time, so nothing received after a bar's end enters it), then, in this order:

1. the bar's public trades (time order) fill resting maker orders (the fill model);
2. queues are capped by the book, expired orders leave;
3. each event gets its bar row (YES bid/ask from the recorded book at the bar end, the bar's
   trade low/high/last and volume), that row's features (`features.FeatureStream`: O(brackets)
   a bar, equal to candle mode's `compute_features` over the bars so far) and a `BarState`
   (`engine.bar_state`);
4. the strategy's orders are sent: they reach the fill model (`execution.book`) at decision
   + the order latency, before the first message stamped after that; takers walk the
   visible depth (the recorded book less our earlier takes, `execution.overlay`), makers rest.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from kalshi_tape.backtest.data.panel import Delays, IntArray, Panel
from kalshi_tape.backtest.execution.book import BookFills, FillModel, TapeTrade
from kalshi_tape.backtest.execution.events import BAR_S, EventMeta
from kalshi_tape.backtest.execution.overlay import BookOverlay
from kalshi_tape.backtest.run.candle_loop import Ledger, bar_state
from kalshi_tape.backtest.signals.features import FeatureParams, FeatureStream
from kalshi_tape.backtest.strategies.protocol import (
    Fill,
    FloatArray,
    Order,
    Strategy,
    StrategyError,
)
from kalshi_tape.client.stream import OrderBook
from kalshi_tape.client.stream.orderbook import BookInvariantError
from kalshi_tape.core.domain import Level
from kalshi_tape.core.money import Price

ONE = Decimal(1)
ORDER_LATENCY_S = Delays().order_latency  # decision -> arrival, as in candle mode
ROW_KEYS = ("bid_open", "ask_open", "bid_close", "ask_close", "low", "high", "last", "volume")


@dataclass(slots=True)
class OrderEntry:
    order_id: str
    bar_ts: int
    event_ticker: str
    order: Order
    status: str
    queue_ahead: Decimal | None = None
    filled: Decimal = Decimal(0)
    fills_n: int = 0  # fills booked so far (numbers the next one in O(1))


@dataclass(frozen=True, slots=True)
class Pending:
    """An order decided at `decided_ts` (end of bar `bar`), on its way: it reaches the
    market at `arrive_ms` = decision + the order latency (the one latency model)."""

    arrive_ms: int
    decided_ts: int
    bar: int
    track: EventTrack
    order: Order


@dataclass(frozen=True, slots=True)
class FillEntry:
    order_id: str
    n: int
    fill: Fill
    position_after: Decimal
    cash_after: Decimal


class EventTrack:
    """One event's bars so far (growing arrays, a row per bar), ledger and equity."""

    def __init__(self, meta: EventMeta, features: FeatureParams | None = None) -> None:
        self.meta = meta
        self.n = 0
        self.stream = FeatureStream(len(meta.tickers), features)
        self.features: dict[str, FloatArray] = {}  # the last bar's, from `stream`
        self._ts = np.zeros(256, dtype=np.int64)
        self._rows = {k: np.full((256, len(meta.tickers)), np.nan) for k in ROW_KEYS}
        self.ledger = Ledger()
        self.equity: list[float] = []

    @property
    def ts(self) -> IntArray:
        return self._ts[: self.n]

    def row(self, key: str, back: int = 1) -> FloatArray:
        """The row `back` bars before the next one (1 = the last)."""
        row: FloatArray = self._rows[key][self.n - back]
        return row

    def append(self, ts: int, values: dict[str, FloatArray]) -> None:
        if self.n == len(self._ts):  # double the buffers
            self._ts = np.concatenate([self._ts, np.zeros_like(self._ts)])
            for key, rows in self._rows.items():
                self._rows[key] = np.concatenate([rows, np.full_like(rows, np.nan)])
        self._ts[self.n] = ts
        for key, value in values.items():
            self._rows[key][self.n] = value
        self.n += 1
        r = self.row
        self.features = self.stream.step(
            r("bid_close"), r("ask_close"), r("low"), r("high"), r("last"), r("volume")
        )

    def panel(self) -> Panel:
        r = {k: v[: self.n] for k, v in self._rows.items()}
        return Panel(
            self.ts, r["bid_open"], r["ask_open"], r["bid_close"], r["ask_close"], r["low"],
            r["high"], r["volume"], trade_close=r["last"], meta=self.meta, source="tape",
        )  # fmt: skip


class BookEngine:
    """Feed it `on_snapshot` / `on_delta` / `on_trade` in arrival order; read `orders`,
    `fills` and `events` (or take what is new since the last call with `take_new`)."""

    def __init__(
        self,
        metas: Sequence[EventMeta],
        strategy: Strategy,
        gateway: FillModel | None = None,
        features: FeatureParams | None = None,
        now_ns: Callable[[], int] | None = None,
        bar_s: int = BAR_S,
        latency_s: int = ORDER_LATENCY_S,
    ) -> None:
        self.strategy = strategy
        self.bar_s = bar_s
        self.latency_ms = latency_s * 1000
        self.pending: deque[Pending] = deque()
        self.gateway = gateway or BookFills()
        self.features = features or FeatureParams()
        self.events = {m.event_ticker: EventTrack(m, self.features) for m in metas}
        self.event_of = {t: m.event_ticker for m in metas for t in m.tickers}
        self.books: dict[str, OrderBook] = {}  # exactly as recorded; our takes: `overlay`
        self.overlay = BookOverlay()
        self._cash = Decimal(0)
        self.bar_end: int | None = None  # end of the open bar, exchange Unix seconds
        self.bars = 0
        self.first_bar_ts: int | None = None
        self.bar_trades: list[TapeTrade] = []
        self.orders: dict[str, OrderEntry] = {}
        self.fills: list[FillEntry] = []
        self.received_ns: dict[str, int] = {}  # our clock at each order / fill (journal)
        self._now_ns = now_ns or (lambda: 0)
        self._new_orders: set[str] = set()
        self._new_fills = 0
        self._last_ns = 0

    # ------------------------------------------------------------------ inputs

    def on_snapshot(
        self, ticker: str, yes: Sequence[Level], no: Sequence[Level], ts_ms: int | None = None
    ) -> None:
        """A book snapshot received at `ts_ms`: it closes every bar that ended before (so
        it never sets an earlier bar's close); it does not start the bar clock."""
        if ts_ms is not None and self.bar_end is not None:
            self.advance(ts_ms)
            self.release(ts_ms)
        if ticker in self.event_of:
            self.books[ticker] = OrderBook.from_levels(ticker, yes, no)
            self.overlay.clear(ticker)

    def on_delta(
        self, ticker: str, side: str, price: Price, delta: Decimal, ts_ms: int | None
    ) -> None:
        if ts_ms is not None:
            self._clock(ts_ms)
        if ticker not in self.event_of:
            return
        book = self.books.get(ticker)
        if book is None:  # an empty snapshot: no rows
            book = self.books[ticker] = OrderBook(ticker)
        try:
            book.apply_delta(side, price, delta)  # type: ignore[arg-type]
        except BookInvariantError:  # the recording itself is inconsistent (never our fills)
            self.books[ticker] = OrderBook(ticker)  # start again empty; a snapshot will fix it
            self.overlay.clear(ticker)
            return
        self.overlay.on_delta(book, side, price, delta)

    def on_trade(self, trade: TapeTrade) -> None:
        self._clock(trade.ts_ms)
        if trade.ticker in self.event_of:
            self.bar_trades.append(trade)

    def _clock(self, ts_ms: int) -> None:
        """`advance` then `release` to `ts_ms`, skipping the calls when neither has work (the
        common case: most messages fall inside the open bar with no order in flight)."""
        if self.bar_end is None or ts_ms > self.bar_end * 1000:
            self.advance(ts_ms)
        if self.pending and self.pending[0].arrive_ms < ts_ms:
            self.release(ts_ms)

    def advance(self, ts_ms: int) -> None:
        """Close every bar that ended before `ts_ms` (exchange time)."""
        if self.bar_end is None:
            self.bar_end = -(-ts_ms // (self.bar_s * 1000)) * self.bar_s
            return
        while ts_ms > self.bar_end * 1000:
            self.release(self.bar_end * 1000 + 1)  # orders that arrived within this bar
            self.close_bar()

    def release(self, ts_ms: int) -> None:
        """Orders that reached the market before `ts_ms` meet the book as it was then."""
        while self.pending and self.pending[0].arrive_ms < ts_ms:
            self._place(self.pending.popleft())

    # ------------------------------------------------------------------ the bar

    def close_bar(self) -> None:
        assert self.bar_end is not None
        ts, k = self.bar_end, self.bars
        if self.first_bar_ts is None:
            self.first_bar_ts = ts
        trades = sorted(self.bar_trades, key=lambda t: (t.ts_ms, t.trade_id))
        self.bar_trades = []
        fees = {e: track.meta.fees for e, track in self.events.items()}
        for order_id, fill in self.gateway.on_trades(trades, fees):
            self._book(order_id, fill)
        for order_id in self.gateway.end_bar(k, self.books):
            entry = self.orders[order_id]
            entry.status = "expired" if entry.filled == 0 else "partial"
            self._new_orders.add(order_id)
        for track in self.events.values():
            self._add_row(track, ts, trades)
            if ts < track.meta.close_ts:
                self._decide(track, ts, k)
            track.equity.append(_mark(track))
        self.bars += 1
        self.bar_end = ts + self.bar_s

    def _add_row(self, track: EventTrack, ts: int, trades: Sequence[TapeTrade]) -> None:
        bid, ask = self._quotes(track.meta.tickers)
        low, high, last, volume = _trade_bar(track.meta.tickers, trades)
        nan = np.full(len(bid), np.nan)
        first = track.n == 0  # the bar opens where the previous one closed
        track.append(ts, {
            "bid_open": nan if first else track.row("bid_close").copy(),
            "ask_open": nan if first else track.row("ask_close").copy(),
            "bid_close": bid, "ask_close": ask, "low": low, "high": high, "last": last,
            "volume": volume,
        })  # fmt: skip

    def _quotes(self, tickers: Sequence[str]) -> tuple[FloatArray, FloatArray]:
        bid, ask = np.full(len(tickers), np.nan), np.full(len(tickers), np.nan)
        for i, ticker in enumerate(tickers):
            book = self.books.get(ticker)
            if book is None:
                continue
            if book.best_yes_bid is not None:
                bid[i] = float(book.best_yes_bid)
            if book.best_no_bid is not None:
                ask[i] = float(ONE - book.best_no_bid)
        return bid, ask

    def _decide(self, track: EventTrack, ts: int, k: int) -> None:
        market = track.features["p_norm"]
        quotes = (track.row("bid_close"), track.row("ask_close"), track.row("volume"))
        pmfs = (market, None, market, math.nan)
        state = bar_state(track.meta, ts, k, quotes, track.features, pmfs, track.ledger)
        for order in self.strategy.on_bar(state):
            if not isinstance(order, Order) or order.ticker not in track.meta.tickers:
                raise StrategyError(f"strategy returned a bad order {order!r}")
            self.pending.append(Pending(ts * 1000 + self.latency_ms, ts, k, track, order))

    def _place(self, sent: Pending) -> None:
        order, track = sent.order, sent.track
        order_id = f"o{len(self.orders) + 1:06d}"
        recorded = self.books.get(order.ticker)
        book = None if recorded is None else self.overlay.visible(recorded)
        placed = self.gateway.place(
            order_id, order, track.meta.event_ticker, book, sent.arrive_ms // 1000, sent.bar,
            track.meta.fees, sent.decided_ts, sent.arrive_ms,
        )  # fmt: skip
        entry = OrderEntry(order_id, sent.decided_ts, track.meta.event_ticker, order,
                           placed.status, placed.queue_ahead)  # fmt: skip
        self.orders[order_id] = entry
        self.received_ns[order_id] = self._stamp()
        self._new_orders.add(order_id)
        for fill in placed.fills:
            self._book(order_id, fill)
            if fill.liquidity == "taker":  # hidden from our later orders, not from the record
                _consume(self.overlay, order, fill)

    def _book(self, order_id: str, fill: Fill) -> None:
        track = self.events[fill.event_ticker]
        track.ledger.book(fill)
        entry = self.orders[order_id]
        entry.filled += Decimal(fill.count)
        if entry.order.liquidity == "maker":
            left = Decimal(entry.order.count) - entry.filled
            entry.status = "filled" if left <= 0 else "partial"
        entry.fills_n += 1
        n = entry.fills_n
        self._cash += fill.cash_delta
        position = track.ledger.position.get(fill.ticker, Decimal(0))
        self.fills.append(FillEntry(order_id, n, fill, position, self._cash))
        self.received_ns[f"{order_id}/{n}"] = self._stamp()
        self._new_orders.add(order_id)

    def _stamp(self) -> int:
        """Our clock, strictly increasing, so journal rows sort in the order they happened."""
        self._last_ns = max(self._now_ns(), self._last_ns + 1)
        return self._last_ns

    def take_new(self) -> tuple[list[OrderEntry], list[FillEntry]]:
        """Orders created or changed, and fills made, since the last call."""
        orders = [self.orders[i] for i in sorted(self._new_orders)]
        fills = self.fills[self._new_fills :]
        self._new_orders.clear()
        self._new_fills = len(self.fills)
        return orders, fills

    @property
    def cash(self) -> Decimal:
        """Cash over all events, kept as fills are booked (O(1) per fill)."""
        return self._cash


def _trade_bar(
    tickers: Sequence[str], trades: Sequence[TapeTrade]
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    n = len(tickers)
    low, high, last = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    volume = np.zeros(n)
    index = {t: i for i, t in enumerate(tickers)}
    for trade in trades:  # time order
        i = index.get(trade.ticker)
        if i is None:
            continue
        price = float(trade.yes_price)
        low[i] = price if np.isnan(low[i]) else min(low[i], price)
        high[i] = price if np.isnan(high[i]) else max(high[i], price)
        last[i] = price
        volume[i] += float(trade.count)
    return low, high, last, volume


def _consume(overlay: BookOverlay, order: Order, fill: Fill) -> None:
    """Record a taker fill's size as taken from the level it came from."""
    yes_price = fill.yes_price
    if order.buys_yes:
        overlay.take(fill.ticker, "no", Price(ONE - yes_price), Decimal(fill.count))
    else:
        overlay.take(fill.ticker, "yes", Price(yes_price), Decimal(fill.count))


def _mark(track: EventTrack) -> float:
    value = float(track.ledger.cash)
    bid, ask = track.row("bid_close"), track.row("ask_close")
    for i, ticker in enumerate(track.meta.tickers):
        held = track.ledger.position.get(ticker)
        if held:
            b, a = float(bid[i]), float(ask[i])  # quotes are prices or NaN, never inf
            mid = 0.5 * ((0.0 if math.isnan(b) else b) + (1.0 if math.isnan(a) else a))
            value += float(held) * mid
    return value


def settle(track: EventTrack, results: Mapping[str, bool] | None) -> tuple[Decimal, bool]:
    """Value of the event's final positions: $1/$0 by result when every held market has one,
    else the last mid. Returns (value, settled)."""
    value = Decimal(0)
    settled = True
    bid = track.row("bid_close") if track.n else None
    ask = track.row("ask_close") if track.n else None
    for i, ticker in enumerate(track.meta.tickers):
        held = track.ledger.position.get(ticker, Decimal(0))
        if not held:
            continue
        if results is not None and ticker in results:
            value += held * (1 if results[ticker] else 0)
            continue
        settled = False
        if bid is not None and ask is not None:
            b, a = float(bid[i]), float(ask[i])  # quotes are prices or NaN, never inf
            mid = 0.5 * ((0.0 if math.isnan(b) else b) + (1.0 if math.isnan(a) else a))
            value += held * Decimal(str(round(float(mid), 4)))
    return value, settled
