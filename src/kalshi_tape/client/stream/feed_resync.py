"""The feed's side of the resync machine (`resync`): its steps turned into commands, a
reconnect request or REST fetches, and REST books installed once it is safe.

A REST book carries no sequence number, so it is taken only when it cannot have missed
or doubled a delta: no delta of that market (and no sequence gap) between the request and
`rest_quiet_s` after the answer. Otherwise it is thrown away and the timer tries again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kalshi_tape.client.stream.events import FeedEvent
from kalshi_tape.client.stream.orderbook import BookInvariantError, OrderBook
from kalshi_tape.client.stream.resync import (
    GET_SNAPSHOT,
    RECONNECT,
    REST,
    RESUBSCRIBE,
    ResyncMachine,
)
from kalshi_tape.client.stream.sequence import SequenceTracker
from kalshi_tape.client.stream.subscriptions import ORDERBOOK, SubscriptionManager
from kalshi_tape.core.clock import Clock
from kalshi_tape.core.domain import Orderbook, OrderbookSnapshot
from kalshi_tape.core.errors import SequenceGap

# The intact head of a cut-off book frame: its kind, sid, seq and market.
_HEAD = re.compile(
    rb'\{"type":"orderbook_(snapshot|delta)","sid":(\d+),"seq":(\d+),'
    rb'"msg":\{"market_ticker":"([A-Za-z0-9._-]+)"'
)


class ResyncSteps:
    """Mixed into `FeedState`, which owns the attributes declared here."""

    clock: Clock
    connected: bool
    resync: ResyncMachine
    subs: SubscriptionManager
    awaiting: set[str]
    books: dict[str, OrderBook]
    seq: SequenceTracker
    _crossed: dict[str, int | None]

    # FeedState's own (declared for the type checker)
    @property
    def tickers(self) -> set[str]:
        raise NotImplementedError

    def _send(self, frames: list[bytes]) -> None:
        raise NotImplementedError

    def _mark_asked(self, tickers: Iterable[str]) -> None:
        raise NotImplementedError

    def _on_gap(
        self, gap: SequenceGap, received_ns: int, fresh: str | None = None
    ) -> list[FeedEvent]:
        raise NotImplementedError

    def _resync(
        self, tickers: list[str], reason: str, detail: str, received_ns: int
    ) -> list[FeedEvent]:
        raise NotImplementedError

    def init_rest(self) -> None:
        self.rest_enabled = False  # set by a driver that can fetch REST books
        self.reconnect_wanted = False
        self.rest_wanted: list[str] = []
        self.rest_asked: dict[str, float] = {}  # ticker -> when its REST fetch was sent
        self._rest_held: dict[str, tuple[Orderbook, float]] = {}  # book, install after

    # ------------------------------------------------------------------ steps

    def escalate(self, now_ns: int) -> list[FeedEvent]:
        """Take the steps of markets whose snapshot is overdue (only while connected: the
        connection reconnects by itself, and every book is asked for again then)."""
        if not self.connected or not self.resync.pending:
            return []
        steps = self.resync.due(now_ns)
        by_action: dict[str, list[str]] = {}
        for step in steps:
            action = step.action
            if action == REST and not self.rest_enabled:
                action = RECONNECT
            by_action.setdefault(action, []).append(step.ticker)
        if RECONNECT in by_action:
            self.reconnect_wanted = True  # the reconnect asks for every book again
        else:
            self._ask_snapshots(by_action.get(GET_SNAPSHOT, []), readd=False)
            self._ask_snapshots(by_action.get(RESUBSCRIBE, []), readd=True)
        for ticker in by_action.get(REST, []):
            if ticker not in self.rest_asked:
                self.rest_wanted.append(ticker)
        return list[FeedEvent](steps)

    def _ask_snapshots(self, tickers: list[str], *, readd: bool) -> None:
        if not tickers:
            return
        chan = self.subs.channels.get(ORDERBOOK)
        if chan is not None and chan.sid is not None:
            readd_or_snapshot = self.subs.readd if readd else self.subs.snapshot
            self._send(readd_or_snapshot(ORDERBOOK, tickers))
            return
        self._mark_asked(self.awaiting)  # no sid yet: the subscribe itself is overdue
        commands = self.subs.resubscribe(ORDERBOOK)
        if not commands and chan is not None:  # stuck in a subscribe whose reply was lost
            chan.subscribing = False
            commands = self.subs.resubscribe(ORDERBOOK)
        self._send(commands)

    def take_reconnect(self) -> bool:
        wanted, self.reconnect_wanted = self.reconnect_wanted, False
        return wanted

    def take_rest_wanted(self) -> list[str]:
        """Markets to fetch over REST now; each answer goes to `on_rest_book`."""
        wanted, self.rest_wanted = self.rest_wanted, []
        now = self.clock.monotonic()
        for ticker in wanted:
            self.rest_asked[ticker] = now
        return wanted

    def garbled_book_frame(self, data: bytes, received_ns: int) -> list[FeedEvent] | None:
        """A cut-off frame whose head is intact: a delta lost for one known market (resync
        that one), or a lost snapshot (no live book changes; its market, awaiting, waits
        on). Its seq counts, so a later frame shows no gap. None when the head does not
        say (then every book is resynced)."""
        head = _HEAD.match(data)
        if head is None:
            return None
        kind, ticker = head.group(1), head.group(4).decode()
        sid, seq = int(head.group(2)), int(head.group(3))
        if sid != self.subs.sid_of(ORDERBOOK) or ticker not in self.tickers:
            return None
        last = self.seq.last(sid)
        if last is not None and seq <= last:
            return []  # a replayed frame
        gap = self.seq.check(sid, seq)
        events = self._on_gap(gap, received_ns, ticker) if gap is not None else []
        if kind == b"delta" and ticker not in self.awaiting:
            events += self._resync([ticker], "malformed", "unreadable delta", received_ns)
        return events

    # ------------------------------------------------------------------ REST books

    def on_rest_book(self, ticker: str, book: Orderbook) -> None:
        """A REST fetch answered: hold the book for `rest_quiet_s` (see the module doc)."""
        if ticker not in self.rest_asked or ticker not in self.awaiting:
            return  # a delta or a gap came meanwhile: the book may be stale
        quiet = self.resync.policy.rest_quiet_s
        self._rest_held[ticker] = (book, self.clock.monotonic() + quiet)

    def rest_failed(self, ticker: str) -> None:
        self.rest_forget(ticker)

    def rest_forget(self, ticker: str) -> None:
        self.rest_asked.pop(ticker, None)
        self._rest_held.pop(ticker, None)

    def rest_clear(self) -> None:
        self.rest_asked.clear()
        self._rest_held.clear()

    def install_rest(self, now_ns: int) -> list[FeedEvent]:
        """REST books held long enough with no delta of their market: live again."""
        if not self._rest_held:
            return []
        now = self.clock.monotonic()
        events: list[FeedEvent] = []
        for ticker in sorted(t for t, (_, at) in self._rest_held.items() if at <= now):
            rest, _ = self._rest_held.pop(ticker)
            self.rest_asked.pop(ticker, None)
            if ticker not in self.awaiting:
                continue
            try:
                book = OrderBook.from_levels(ticker, rest.yes, rest.no)
            except BookInvariantError:
                continue  # the timer asks again
            self.books[ticker] = book
            self.awaiting.discard(ticker)
            self._crossed.pop(ticker, None)
            snap = OrderbookSnapshot(0, 0, ticker, rest.yes, rest.no, received_ns=now_ns)
            events = self._live_again(ticker, now_ns, REST, [*events, snap])
        return events

    def _live_again(
        self, ticker: str, now_ns: int, via: str, events: list[FeedEvent]
    ) -> list[FeedEvent]:
        """Awaiting -> live: report how long it took."""
        self.rest_forget(ticker)
        done = self.resync.done(ticker, now_ns, via)
        if done is not None:
            events.append(done)
        return events
