"""Feed events -> warehouse rows. The hot path of the collector; no I/O here.

* `OrderbookDelta` -> orderbook_deltas (the L2 tape, both clocks);
* `OrderbookSnapshot` -> orderbook_snapshots + a market_snapshots row (trigger
  `snapshot`) with the same received_ns, so an empty book is recorded too;
* `TradeUpdate` -> trades (deduplicated by trade_id within the process; the table's key
  makes it exact across processes and with REST);
* `TickerUpdate` -> market_snapshots (trigger `ticker`: last price, volume, OI);
* `Gap`, `Resync`, `ResyncStep`, `Resynced`, `Disconnected`, reconnecting `Connected`
  -> sequence_gaps (resync transitions with their cause and duration).

Book-changing messages mark the market for the spike rule and feed the candle builder;
quotes are read once the exchange event that moved them is over (the deltas of one event
may pass through intermediate books).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from kalshi_tape.client import stream
from kalshi_tape.collector.candles import CandleBuilder
from kalshi_tape.collector.metrics import CollectorMetrics
from kalshi_tape.collector.schedule import Quote, SnapshotPlanner
from kalshi_tape.collector.writer import CollectorWriter
from kalshi_tape.core.domain import (
    MarketLifecycle,
    OrderbookDelta,
    OrderbookSnapshot,
    TickerUpdate,
    Trade,
    TradeUpdate,
)
from kalshi_tape.core.money import Count, Price
from kalshi_tape.storage.records import (
    GapKind,
    MarketSnapshotRow,
    SequenceGapRow,
    trade_from_update,
)

RECENT_TRADES = 200_000
# the resync transitions the recorder writes as sequence_gaps rows
ResyncEvent = stream.Resync | stream.ResyncStep | stream.Resynced


class Books(Protocol):
    """Where live books are: a `BookFeed` or a bare `FeedState`."""

    @property
    def books(self) -> Mapping[str, stream.OrderBook]: ...


@dataclass(slots=True)
class TickerState:
    last_price: Price | None = None
    volume: Count | None = None
    open_interest: Count | None = None


def quote_of(book: stream.OrderBook, state: TickerState | None) -> Quote:
    return Quote(book.best_yes_bid, book.best_yes_ask, state.last_price if state else None)


def snapshot_row(
    ticker: str,
    received_ns: int,
    trigger: str,
    book: stream.OrderBook,
    state: TickerState | None,
    sid: int,
    seq: int,
) -> MarketSnapshotRow:
    """A market_snapshots row: the book's top and the ticker state known for the market."""
    state = state or TickerState()
    return MarketSnapshotRow(
        market_ticker=ticker,
        received_ns=received_ns,
        trigger=trigger,
        yes_bid=book.best_yes_bid,
        yes_bid_size=book.yes_bid_size,
        yes_ask=book.best_yes_ask,
        yes_ask_size=book.yes_ask_size,
        last_price=state.last_price,
        volume=state.volume,
        open_interest=state.open_interest,
        sid=sid,
        seq=seq,
    )


class Recorder:
    def __init__(
        self,
        writer: CollectorWriter,
        planner: SnapshotPlanner,
        candles: CandleBuilder,
        metrics: CollectorMetrics,
    ) -> None:
        self.writer = writer
        self.planner = planner
        self.candles = candles
        self.metrics = metrics
        self.state: dict[str, TickerState] = {}
        self.exchange_now_ms = 0
        self.lifecycle: list[MarketLifecycle] = []
        self.trade_trouble = False  # trade frames may have been lost: sweep over REST
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._moving: tuple[str, int | None] | None = None  # market whose event is under way
        self._counts = {"orderbook_delta": 0, "orderbook_snapshot": 0, "ticker": 0, "trade": 0}

    # ------------------------------------------------------------------ dispatch

    def handle(self, event: stream.FeedEvent, feed: Books) -> None:
        kind = type(event)
        if kind is OrderbookDelta:
            self._delta(event, feed)  # type: ignore[arg-type]
        elif kind is OrderbookSnapshot:
            self._snapshot(event, feed)  # type: ignore[arg-type]
        elif kind is TradeUpdate:
            self._trade_update(event)  # type: ignore[arg-type]
        elif kind is TickerUpdate:
            self._ticker(event)  # type: ignore[arg-type]
        elif kind is MarketLifecycle:
            self.lifecycle.append(event)  # type: ignore[arg-type]
        else:
            self._integrity(event)

    def _delta(self, d: OrderbookDelta, feed: Books) -> None:
        rows = self.writer.rows
        rows.orderbook_deltas.append(d)
        rows.received.append(d.received_ns)
        self._counts["orderbook_delta"] += 1
        ts = d.exchange_ts_ms
        if ts is not None and ts > self.exchange_now_ms:
            self.exchange_now_ms = ts
        moving = (d.market_ticker, ts)
        if self._moving != moving:
            self.settle_quotes(feed)
            self._moving = moving

    def settle_quotes(self, feed: Books) -> None:
        """The exchange event under way is over: read its market's quote."""
        if self._moving is None:
            return
        ticker, ts = self._moving
        self._moving = None
        book = feed.books.get(ticker)
        if book is None:
            return
        self.planner.touch(ticker)
        self.candles.quote(ticker, ts or self.exchange_now_ms, book.best_yes_bid, book.best_yes_ask)

    def _snapshot(self, snap: OrderbookSnapshot, feed: Books) -> None:
        rows = self.writer.rows
        if snap.yes or snap.no:  # an empty book has no level rows: its market_snapshots
            rows.orderbook_snapshots.append(snap)  # row (below) records it
        rows.received.append(snap.received_ns)
        self._counts["orderbook_snapshot"] += 1
        self.metrics.snapshots.labels("snapshot").inc()
        ticker = snap.market_ticker
        book = feed.books.get(ticker)
        if book is None:
            return
        state = self.state.get(ticker)
        row = snapshot_row(ticker, snap.received_ns, "snapshot", book, state, snap.sid, snap.seq)
        rows.market_snapshots.append(row)
        self.planner.spikes.snapshotted(ticker, quote_of(book, state))

    def _trade_update(self, update: TradeUpdate) -> None:
        self._counts["trade"] += 1
        self.metrics.seen(update.market_ticker, update.received_ns)
        self.add_trades([trade_from_update(update)], update.received_ns)

    def add_trades(self, trades: list[Trade], received_ns: int) -> int:
        """Queue trades not seen before (by trade_id); returns how many were new."""
        rows = self.writer.rows
        new = 0
        for trade in trades:
            if trade.trade_id in self._recent:
                continue
            self._recent[trade.trade_id] = None
            if len(self._recent) > RECENT_TRADES:
                self._recent.popitem(last=False)
            rows.trades.append(trade)
            rows.received.append(received_ns)
            new += 1
            ts_ms = int(trade.created_time.timestamp() * 1000)
            self.candles.trade(trade.ticker, ts_ms, trade.yes_price, trade.count)
            state = self.state.setdefault(trade.ticker, TickerState())
            state.last_price = trade.yes_price
            self.planner.touch(trade.ticker)
        return new

    def _ticker(self, t: TickerUpdate) -> None:
        self._counts["ticker"] += 1
        self.metrics.seen(t.market_ticker, t.received_ns)
        state = self.state.setdefault(t.market_ticker, TickerState())
        if t.price is not None:
            state.last_price = t.price
        if t.volume is not None:
            state.volume = t.volume
        if t.open_interest is not None:
            state.open_interest = t.open_interest
            self.candles.open_interest(t.market_ticker, t.open_interest)
        rows = self.writer.rows
        rows.market_snapshots.append(
            MarketSnapshotRow(
                market_ticker=t.market_ticker,
                received_ns=t.received_ns,
                trigger="ticker",
                yes_bid=t.yes_bid,
                yes_bid_size=t.yes_bid_size,
                yes_ask=t.yes_ask,
                yes_ask_size=t.yes_ask_size,
                last_price=t.price,
                volume=t.volume,
                open_interest=t.open_interest,
                exchange_ts_ms=t.exchange_ts_ms,
                sid=t.sid,
            )
        )
        rows.received.append(t.received_ns)
        self.planner.touch(t.market_ticker)

    # ------------------------------------------------------------------ integrity

    def _integrity(self, event: stream.FeedEvent) -> None:
        gaps = self.writer.rows.sequence_gaps
        now = event.received_ns
        if isinstance(event, stream.Gap):
            self.metrics.gaps.inc()
            gaps.append(SequenceGapRow(now, "gap", event.sid, "", event.expected, event.got))
        elif isinstance(event, ResyncEvent):
            if isinstance(event, stream.Resync):
                self.metrics.resyncs.inc()
            gaps += resync_rows(event)
        elif isinstance(event, stream.Disconnected):
            self.trade_trouble = True
            gaps.append(SequenceGapRow(now, "reconnect", detail=f"disconnected: {event.reason}"))
        elif isinstance(event, stream.Connected) and event.reconnect:
            self.metrics.reconnects.inc()
            detail = f"connected after {event.attempts} attempt(s)"
            gaps.append(SequenceGapRow(now, "reconnect", detail=detail))
        elif isinstance(event, stream.Malformed):
            self.metrics.malformed.inc()
            self.trade_trouble = True  # a lost trade frame has no seq to reveal it
        elif isinstance(event, stream.ChannelError):
            self.trade_trouble = True

    def take_counts(self) -> dict[str, int]:
        counts = dict(self._counts)
        for key in self._counts:
            self._counts[key] = 0
        return counts


def resync_rows(event: ResyncEvent) -> list[SequenceGapRow]:
    """A resync transition -> sequence_gaps rows, with its cause and duration (ns)."""
    now = event.received_ns
    if isinstance(event, stream.Resync):
        detail = f"{event.reason} via {event.method}: {event.detail}"[:500]
        return [
            SequenceGapRow(now, "resync", 0, t, detail=detail, cause=event.reason)
            for t in event.tickers
        ]
    if isinstance(event, stream.ResyncStep):
        detail = f"snapshot overdue: {event.action} (step {event.attempt})"
        return [_transition(now, "resync_step", event.ticker, detail, event.cause, event.waited_ns)]
    detail = f"live again via {event.via} after {event.attempts} step(s)"
    return [_transition(now, "resynced", event.ticker, detail, event.cause, event.duration_ns)]


def _transition(
    now: int, kind: GapKind, ticker: str, detail: str, cause: str, duration_ns: int
) -> SequenceGapRow:
    return SequenceGapRow(now, kind, 0, ticker, detail=detail, cause=cause, duration_ns=duration_ns)
