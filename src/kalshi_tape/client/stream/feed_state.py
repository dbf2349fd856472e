"""`FeedState`: the order-book feed's protocol logic without I/O: frames in, events and
command frames out (`outbox`). `BookFeed` (in `feed`) drives it over a `Connection`.

Resync model: a book exists only between a snapshot and the next sign that it may be
stale. On a `seq` gap every book of that subscription is dropped (a lost frame could
have touched any of them); on a failed invariant only that market's book. Dropped
markets wait for a fresh snapshot (`update_subscription` / `get_snapshot`; if the
exchange refuses that, unsubscribe and subscribe again); their deltas until it arrives
are not applied but yielded marked `book_state="awaiting_snapshot"`, so the tape keeps
every frame received — a snapshot always replaces a book, it is never merged into old state.
A channel error 10/25 resubscribes the channel. A disconnect drops every book; the
reconnect subscribes everything again.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from kalshi_tape.client.stream.events import (
    ChannelError,
    Connected,
    Disconnected,
    FeedEvent,
    Gap,
    Malformed,
    Resync,
)
from kalshi_tape.client.stream.feed_resync import ResyncSteps
from kalshi_tape.client.stream.fused import FusedFrames
from kalshi_tape.client.stream.orderbook import BookInvariantError, OrderBook
from kalshi_tape.client.stream.resync import CAP_S, FIRST_S, ResyncMachine, ResyncPolicy
from kalshi_tape.client.stream.sequence import SequenceTracker
from kalshi_tape.client.stream.subscriptions import ORDERBOOK, SubscriptionManager
from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.core.domain import (
    Ok,
    OrderbookDelta,
    OrderbookSnapshot,
    StreamErrorMessage,
    StreamMessage,
    Subscribed,
    Unsubscribed,
)
from kalshi_tape.core.errors import ParseError, SequenceGap

TERMINAL_CHANNEL_ERRORS = frozenset({10, 25})
MARKET_NOT_FOUND = 16
AWAITING_SNAPSHOT = "awaiting_snapshot"


@dataclass(slots=True)
class FeedStats:
    frames: int = 0
    deltas: int = 0
    snapshots: int = 0
    ignored_deltas: int = 0  # replayed frames and other subscriptions' frames
    awaiting_deltas: int = 0  # yielded marked book_state="awaiting_snapshot", not applied
    gaps: int = 0
    resyncs: int = 0
    connects: int = 0
    disconnects: int = 0
    malformed: int = 0
    channel_errors: int = 0
    invariant_violations: int = 0
    crossed_snapshots: int = 0


class FeedState(FusedFrames, ResyncSteps):
    """Books, subscriptions and sequence checks for one connection; no I/O."""

    def __init__(
        self,
        tickers: Iterable[str] = (),
        channels: Iterable[str] = (ORDERBOOK,),
        *,
        clock: Clock = SYSTEM_CLOCK,
        resync_timeout: float | None = None,
        rng: random.Random | None = None,
        policy: ResyncPolicy | None = None,
    ) -> None:
        self.clock = clock
        if policy is None:  # `resync_timeout`: the first wait alone
            first = resync_timeout or FIRST_S
            policy = ResyncPolicy(first_s=first, cap_s=max(first, CAP_S))
        self.resync = ResyncMachine(clock, rng or random.Random(0), policy)
        self.init_rest()
        self._crossed: dict[str, int | None] = {}  # ticker -> exchange ts of the crossing
        self.subs = SubscriptionManager()
        self.seq = SequenceTracker()
        self.books: dict[str, OrderBook] = {}
        self.awaiting: set[str] = set()
        self.outbox: list[bytes] = []
        self.stats = FeedStats()
        self.connected = False
        self.channels = tuple(channels)
        self.add_markets(tickers)
        self._book_channel = self.subs.channel(ORDERBOOK)
        self._seq_table = self.seq.table

    # ------------------------------------------------------------------ control

    @property
    def tickers(self) -> set[str]:
        return self.subs.tickers(ORDERBOOK)

    @property
    def synced(self) -> bool:
        """Connected, subscribed, and every watched market has a live, uncrossed book."""
        watched = self.tickers
        ready = not self.awaiting and not self._crossed
        return self.connected and ready and watched <= self.books.keys()

    def add_markets(self, tickers: Iterable[str]) -> None:
        wanted = set(tickers)
        for channel in self.channels:
            self._send(self.subs.add(channel, wanted))
        if ORDERBOOK in self.channels:
            self._await(wanted - self.books.keys(), "subscribe", self.clock.now_ns())
            self._mark_asked(wanted)

    def remove_markets(self, tickers: Iterable[str]) -> None:
        gone = set(tickers)
        for channel in self.channels:
            self._send(self.subs.remove(channel, gone))
        for ticker in gone:
            self.books.pop(ticker, None)
            self._crossed.pop(ticker, None)
            self.awaiting.discard(ticker)
            self.resync.forget(ticker)
            self.rest_forget(ticker)

    def take_outbox(self) -> list[bytes]:
        out, self.outbox = self.outbox, []
        return out

    def _send(self, frames: list[bytes]) -> None:
        if self.connected and frames:
            self.outbox.extend(frames)

    def _mark_asked(self, tickers: Iterable[str]) -> None:
        self.resync.asked(tickers)

    def _await(self, tickers: Iterable[str], cause: str, now_ns: int) -> None:
        """Live -> awaiting snapshot: the resync machine's timer takes it from here."""
        tickers = list(tickers)
        self.awaiting.update(tickers)
        self.resync.begin(tickers, cause, now_ns)

    def on_tick(self) -> list[FeedEvent]:
        """Judge books left crossed; take the next resync step for markets whose snapshot
        is overdue (see `resync`); install REST books that stayed quiet."""
        now = self.clock.now_ns()
        events = self._judge_crossed(None, None, now)
        events += self.escalate(now)
        events += self.install_rest(now)
        return events

    def on_connected(self, event: Connected) -> list[FeedEvent]:
        self.connected = True
        self.stats.connects += 1
        self._drop_all()
        self._send(self.subs.restore())
        self._mark_asked(self.awaiting)
        return [event]

    def on_disconnected(self, event: Disconnected) -> list[FeedEvent]:
        self.connected = False
        self.stats.disconnects += 1
        self._drop_all()
        self.outbox.clear()
        return [event]

    def _drop_all(self) -> None:
        self.books.clear()
        self._crossed.clear()
        self.seq.reset()
        self.rest_clear()
        self._await(self.tickers, "reconnect", self.clock.now_ns())

    # ------------------------------------------------------------------ frames

    # (`handle_frame`, the fused frame -> book path, is in `fused`)

    def handle_message(self, msg: StreamMessage | None) -> list[FeedEvent]:
        """A parsed frame's events: the existing (unfused) path of every message kind."""
        kind = type(msg)
        if kind is OrderbookDelta:
            return self._on_delta(msg)  # type: ignore[arg-type]
        if kind is OrderbookSnapshot:
            return self._on_snapshot(msg)  # type: ignore[arg-type]
        if kind is Subscribed:
            return self._on_subscribed(msg)  # type: ignore[arg-type]
        if kind is Ok:
            return self._on_ok(msg)  # type: ignore[arg-type]
        if kind is Unsubscribed:
            return self._on_unsubscribed(msg)  # type: ignore[arg-type]
        if kind is StreamErrorMessage:
            return self._on_error(msg)  # type: ignore[arg-type]
        if msg is None:
            return []
        return [msg]  # type: ignore[list-item]

    def _malformed(self, data: bytes, received_ns: int, exc: ParseError) -> list[FeedEvent]:
        self.stats.malformed += 1
        return [Malformed(str(exc)[:200], received_ns), *self._after_malformed(data, received_ns)]

    def _after_malformed(self, data: bytes, received_ns: int) -> list[FeedEvent]:
        """A frame we cannot read may have been a book message: resync every book now rather
        than wait for the next delta's sequence number to reveal the loss (after the last
        message of a quiet spell, none would come and a wrong book would stand)."""
        head = data[:64]
        if b'"type"' in head and b'"type":"orderbook_' not in head.replace(b" ", b""):
            return []  # another channel's frame: books are unaffected
        legible = self.garbled_book_frame(data, received_ns)
        if legible is not None:  # its head names the frame: only its market can be stale
            return legible
        stale = [t for t in sorted(self.tickers) if t not in self.awaiting]
        return self._resync(stale, "malformed", "unreadable frame", received_ns)

    def _is_ours(self, sid: int) -> bool:
        current = self.subs.sid_of(ORDERBOOK)
        if current is None:
            self._send(self.subs.adopt(ORDERBOOK, sid))
            current = self.subs.sid_of(ORDERBOOK)
        return sid == current

    def _on_delta(self, msg: OrderbookDelta) -> list[FeedEvent]:
        """The hot path: sid, seq and book checks inlined (see benchmarks/bench_client.py)."""
        sid = msg.sid
        if sid != self._book_channel.sid and not self._is_ours(sid):
            self.stats.ignored_deltas += 1
            return []
        last = self._seq_table.get(sid)
        if last is not None and msg.seq != last + 1:
            if msg.seq <= last:  # a replayed frame: already applied, never a gap
                self.stats.ignored_deltas += 1
                return []
            self._seq_table[sid] = msg.seq
            gap = self._on_gap(SequenceGap(sid, last + 1, msg.seq), msg.received_ns)
            return [*gap, self._unbooked(msg)]
        self._seq_table[sid] = msg.seq
        ticker = msg.market_ticker
        events = (
            self._judge_crossed(ticker, msg.exchange_ts_ms, msg.received_ns)
            if self._crossed
            else []
        )
        book = self.books.get(ticker)
        if book is None:
            events.append(self._unbooked(msg))
            return events
        try:
            new_best = book.apply_delta(msg.side, msg.price, msg.delta)
        except BookInvariantError as exc:
            self.stats.invariant_violations += 1
            events += self._resync([ticker], "invariant", exc.reason, msg.received_ns)
            events.append(self._unbooked(msg))
            return events
        self.stats.deltas += 1
        events.append(msg)
        if new_best and book.crossed:
            self._crossed[ticker] = msg.exchange_ts_ms
            if msg.exchange_ts_ms is None:
                events += self._judge_crossed(None, None, msg.received_ns)
        return events

    def _unbooked(self, msg: OrderbookDelta) -> OrderbookDelta:
        """A delta for a market whose book awaits a snapshot: not applied, but yielded
        (marked) so the tape keeps every frame received."""
        self.stats.awaiting_deltas += 1
        if self.rest_asked:  # a REST book fetched meanwhile may or may not hold it
            self.rest_forget(msg.market_ticker)
        return msgspec.structs.replace(msg, book_state=AWAITING_SNAPSHOT)

    def _judge_crossed(self, ticker: str | None, ts_ms: int | None, now: int) -> list[FeedEvent]:
        """Resync books still crossed once the exchange event that crossed them is over
        (the next delta is for another market or another exchange time)."""
        if not self._crossed:
            return []
        done = [t for t, ts in self._crossed.items() if t != ticker or ts != ts_ms or ts is None]
        stale = []
        for crossed_ticker in done:
            del self._crossed[crossed_ticker]
            book = self.books.get(crossed_ticker)
            if book is not None and book.crossed:
                stale.append(crossed_ticker)
        if not stale:
            return []
        self.stats.invariant_violations += len(stale)
        return self._resync(stale, "invariant", "crossed book", now)

    def _on_snapshot(self, msg: OrderbookSnapshot) -> list[FeedEvent]:
        if not self._is_ours(msg.sid):
            return []
        ticker = msg.market_ticker
        last = self.seq.last(msg.sid)
        if last is not None and msg.seq <= last:  # a replayed snapshot would rewind the book
            return []
        gap = self.seq.check(msg.sid, msg.seq)
        events = self._on_gap(gap, msg.received_ns, ticker) if gap is not None else []
        if ticker not in self.tickers:
            return events
        try:
            book = OrderBook.from_levels(ticker, msg.yes, msg.no)
        except BookInvariantError as exc:
            self.stats.invariant_violations += 1
            return events + self._resync([ticker], "invariant", exc.reason, msg.received_ns)
        try:
            book.check()
        except BookInvariantError:
            self.stats.crossed_snapshots += 1  # the exchange's truth: keep it as sent
        self.books[ticker] = book
        self.awaiting.discard(ticker)
        self._crossed.pop(ticker, None)
        self.stats.snapshots += 1
        events.append(msg)
        return self._live_again(ticker, msg.received_ns, "snapshot", events)

    def _on_gap(
        self, gap: SequenceGap, received_ns: int, fresh: str | None = None
    ) -> list[FeedEvent]:
        self.stats.gaps += 1
        self.rest_clear()  # the lost frame may have been any market's
        tickers = sorted(self.tickers)
        event = Gap(gap.sid, gap.expected, gap.got, tuple(tickers), received_ns)
        # Markets already waiting for a snapshot keep waiting: it will come after this
        # frame, so it includes whatever was lost.
        stale = [t for t in tickers if t != fresh and t not in self.awaiting]
        return [event, *self._resync(stale, "gap", str(gap), received_ns)]

    def _resync(
        self, tickers: list[str], reason: str, detail: str, received_ns: int
    ) -> list[FeedEvent]:
        if not tickers:
            return []
        for ticker in tickers:
            self.books.pop(ticker, None)
            self._crossed.pop(ticker, None)
        self._await(tickers, reason, received_ns)
        self._mark_asked(tickers)
        commands = self.subs.snapshot(ORDERBOOK, tickers)
        self._send(commands)
        self.stats.resyncs += 1
        method = "get_snapshot" if commands else "awaiting_subscription"
        return [Resync(tuple(sorted(tickers)), reason, method, detail, received_ns)]

    def _resubscribe(self, channel: str, reason: str, detail: str, now: int) -> list[FeedEvent]:
        old_sid = self.subs.sid_of(channel)
        if old_sid is not None:
            self.seq.forget(old_sid)
        self._send(self.subs.resubscribe(channel))
        if channel != ORDERBOOK:
            return []
        tickers = sorted(self.tickers)
        for ticker in tickers:
            self.books.pop(ticker, None)
        self._await(tickers, reason, now)
        self._mark_asked(tickers)
        self.stats.resyncs += 1
        return [Resync(tuple(tickers), reason, "resubscribe", detail, now)]

    def _on_subscribed(self, msg: Subscribed) -> list[FeedEvent]:
        self.seq.forget(msg.sid)
        self._send(self.subs.on_subscribed(msg.id, msg.channel, msg.sid))
        return []

    def _on_ok(self, msg: Ok) -> list[FeedEvent]:
        """An ack's `seq` is the subscription's latest: beyond ours means frames were lost.
        (Never recorded as consumed, so a lost frame just before an ack is still caught.)"""
        self.subs.on_reply(msg.id)
        if msg.sid is None or msg.seq is None or msg.sid != self.subs.sid_of(ORDERBOOK):
            return []
        last = self.seq.last(msg.sid)
        if last is None or msg.seq <= last:
            return []
        self.seq.check(msg.sid, msg.seq)
        gap = SequenceGap(msg.sid, last + 1, msg.seq)
        return self._on_gap(gap, msg.received_ns)

    def _on_unsubscribed(self, msg: Unsubscribed) -> list[FeedEvent]:
        self.subs.on_reply(msg.id)
        self.seq.forget(msg.sid)
        return []

    def _on_error(self, msg: StreamErrorMessage) -> list[FeedEvent]:
        self.stats.channel_errors += 1
        pending = self.subs.on_reply(msg.id)
        now = msg.received_ns
        events: list[FeedEvent] = [ChannelError(msg.code, msg.msg, msg.market_ticker, now)]
        detail = f"error {msg.code}: {msg.msg}"
        if msg.code == MARKET_NOT_FOUND and msg.market_ticker:
            # the exchange refused the whole command for one unknown market: drop it, retry
            self.remove_markets([msg.market_ticker])
            if pending is not None and pending.cmd == "subscribe":
                self._send(self.subs.resubscribe(pending.channel))
        elif pending is not None and pending.action == "get_snapshot":
            events += self._resubscribe(ORDERBOOK, "snapshot_refused", detail, now)
        elif msg.code in TERMINAL_CHANNEL_ERRORS:
            channels = [pending.channel] if pending is not None else list(self.channels)
            for channel in channels:
                events += self._resubscribe(channel, "channel_error", detail, now)
        return events
