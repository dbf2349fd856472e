"""Rebuild a market's order book at a past moment from the stored tape.

    rebuilt = rebuild_book(store, "KXHIGHNY-26JUN02-B79.5", at_ns, clock="exchange")
    rebuilt.book.best_yes_bid, rebuilt.book.to_json()

`clock="received"`: the book as our collector held it right after receiving everything
stamped at or before `at_ns`. `clock="exchange"`: the book after every change the
exchange stamped at or before `at_ns` (ms resolution).

Ordering facts the rebuild relies on (kalshi-api.md §5.3; the simulator does the same): a
book snapshot takes the next `seq` of its subscription, like a delta, so it holds exactly
the market's changes sent before it on that sid; one connection delivers frames in the
order sent, and the exchange sends changes in exchange-time order (`ts_ms` never decreases
along a connection's stream). So the tape, in received order, is the stream; a moment is a
*cut* of it: on the received clock every frame received at or before `at_ns`, on the
exchange clock every frame before the first *stamped* frame (of any market) stamped after
`at_ms`. Stamped frames: book deltas and ticker messages (`market_snapshots` rows of
trigger `ticker`; a subscription's initial ticker snapshots follow its book snapshots). A
ticker stamp lower than an earlier stamp is no send time and is ignored (`stamps`).

A *loss* is a `sequence_gaps` row (gap, resync, reconnect) for the market or for every
market: frames may be missing between the last stored book frame before the row (delta or
snapshot, any market) and the row's moment (the frame that revealed a gap, the unreadable
frame, the disconnect). A cut between those two frames is **unknown** — on the exchange
clock: between the last stamp before the loss and the first trusted stamp after it.
Elsewhere the book at a cut is rebuilt from an *anchor* with no loss between them:

* forwards from the last book snapshot at or before the cut (market_snapshots triggers
  snapshot, interval, spike, poll), applying the market's stored deltas after it;
* backwards from the market's next exchange snapshot after the cut, un-applying the
  market's stored deltas between the cut and it (every delta received while the book
  awaited that snapshot is on the tape, `book_state = 'awaiting_snapshot'`; a delta is an
  exact size change per level, so un-applying is exact). Only a snapshot answering
  `get_snapshot` on a subscription that kept streaming the market qualifies: the market's
  previous exchange snapshot is on the same sid with a lower seq, no reconnect and no
  resubscribe/reconnect/REST resync step lies between, and every delta undone is on that
  sid with a lower seq. A snapshot that starts a subscription (subscribe, add_markets, a
  reconnect) or a REST book may hold changes that were never streamed: it is used forwards
  only, and on the exchange clock only from the first trusted stamp after it (it carries
  no exchange stamp and is no newer than that frame); with none after it, never. Likewise
  a loss with no trusted stamp after it leaves the exchange clock unknown from its start.

Otherwise the book is unknown (`BookUnknown`): the error names the interval and the
sequence_gaps row. Rebuilding never guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kalshi_tape.books.stamps import END, Stamps
from kalshi_tape.client.stream import BookInvariantError, OrderBook
from kalshi_tape.core.domain import Side
from kalshi_tape.core.errors import KtapeError
from kalshi_tape.core.money import Count, Price
from kalshi_tape.storage import Store
from kalshi_tape.storage.records import LOSS_KINDS

BOOK_TRIGGERS = ("snapshot", "interval", "spike", "poll")
_TRIGGERS = ", ".join(f"'{t}'" for t in BOOK_TRIGGERS)
_LOSS = ", ".join(f"'{k}'" for k in LOSS_KINDS)  # resync_step / resynced rows lose nothing
BookClock = Literal["received", "exchange"]


class BookUnknown(KtapeError):
    """The stored tape cannot say what the book was at that moment."""


@dataclass(frozen=True, slots=True)
class RebuiltBook:
    book: OrderBook
    base_ns: int  # received_ns of the anchor snapshot
    base_trigger: str  # its trigger; "snapshot (undone)" when rebuilt backwards
    deltas_applied: int  # deltas applied (forwards) or un-applied (backwards)
    cut_ns: int  # received-clock cut used (inclusive)


@dataclass(frozen=True, slots=True)
class Anchor:
    """A stored book snapshot of the market (a market_snapshots row with levels)."""

    received_ns: int
    trigger: str
    sid: int
    seq: int


@dataclass(frozen=True, slots=True)
class Loss:
    """A sequence_gaps row and the stream interval it may have lost frames in: cuts
    strictly between `before_ns` and `after_ns` are unknown."""

    kind: str
    received_ns: int
    detail: str
    before_ns: int  # the last stored book frame before the row (-1: none)
    after_ns: int  # received: the row's moment; exchange: the first trusted stamp from it

    def holds(self, cut: int) -> bool:
        """With no trusted stamp after the loss, the exchange clock never gets past it."""
        return self.before_ns < cut and (cut < self.after_ns or self.after_ns == END)

    def row(self) -> str:
        return (
            f"sequence_gaps row kind={self.kind} received_ns={self.received_ns}: "
            f"{self.detail or 'no detail'}"
        )


def rebuild_book(
    store: Store, ticker: str, at_ns: int, *, clock: BookClock = "received"
) -> RebuiltBook:
    q = _Queries(store, ticker, clock)
    cut = _cut(q, at_ns, clock)
    fwd = q.anchor_at_or_before(cut)
    back = q.snapshot_after(cut)
    losses = q.losses(cut if fwd is None else min(fwd.received_ns, cut), cut, back)
    for loss in losses:
        if loss.holds(cut):
            raise BookUnknown(_interval(q, loss, loss.after_ns, "the first frame after it"))
    if fwd is not None and _forward_ok(q, fwd, cut, losses):
        return _forward(q, fwd, cut)
    if back is not None and _backward_ok(q, back, cut, losses):
        rebuilt = _backward(q, back, cut)
        if rebuilt is not None:
            return rebuilt
    raise BookUnknown(_unknown(q, cut, fwd, back, losses))


def _cut(q: _Queries, at_ns: int, clock: BookClock) -> int:
    """The received-clock cut (inclusive) of the moment."""
    if clock == "received":
        return at_ns
    if not q.has_deltas():
        raise BookUnknown(f"{q.ticker}: no delta tape stored; use the received clock")
    first_later = q.stamps.first_stamped_after(at_ns // 1_000_000)
    cut = END if first_later is None else first_later - 1
    if not q.stamps.any_until(cut):
        raise BookUnknown(f"{q.ticker}: nothing on the tape at or before that moment")
    return cut


def _forward_ok(q: _Queries, fwd: Anchor, cut: int, losses: list[Loss]) -> bool:
    if any(fwd.received_ns < loss.received_ns <= cut for loss in losses):
        return False
    start = q.start(fwd)  # END: no trusted stamp after the anchor places it
    return start <= cut and start != END


def _forward(q: _Queries, fwd: Anchor, cut: int) -> RebuiltBook:
    book = q.levels(fwd.received_ns)
    deltas = q.deltas(fwd.received_ns, cut)
    _apply(q.ticker, book, deltas, 1)
    return RebuiltBook(book, fwd.received_ns, fwd.trigger, len(deltas), cut)


def _backward_ok(q: _Queries, back: Anchor, cut: int, losses: list[Loss]) -> bool:
    if any(cut < loss.received_ns <= back.received_ns for loss in losses):
        return False
    return q.streamed_through(back)


def _backward(q: _Queries, back: Anchor, cut: int) -> RebuiltBook | None:
    """The snapshot after the cut with the market's deltas between undone; None when one
    of them is not on the snapshot's subscription before it."""
    deltas = q.deltas(cut, back.received_ns - 1)
    if any(sid != back.sid or seq >= back.seq for *_, sid, seq in deltas):
        return None
    book = q.levels(back.received_ns)
    _apply(q.ticker, book, list(reversed(deltas)), -1)
    return RebuiltBook(book, back.received_ns, "snapshot (undone)", len(deltas), cut)


Delta = tuple[Side, Decimal, Decimal, int, int]  # side, price, delta, sid, seq


def _apply(ticker: str, book: OrderBook, deltas: list[Delta], sign: int) -> None:
    for side, price, delta, _sid, _seq in deltas:
        try:
            book.apply_delta(side, Price(price), delta if sign > 0 else -delta)
        except BookInvariantError as exc:
            raise BookUnknown(f"{ticker}: the stored tape breaks the book: {exc}") from None


def _unknown(
    q: _Queries, cut: int, fwd: Anchor | None, back: Anchor | None, losses: list[Loss]
) -> str:
    """Why neither anchor reaches the cut: the loss since the last one, up to the next."""
    if fwd is None and back is None:
        return f"{q.ticker}: no book snapshot stored around that moment"
    passed = [loss for loss in losses if loss.received_ns <= cut]
    loss = passed[-1] if passed else q.last_loss(cut)
    if back is None:
        until, what = END, "no later book snapshot stored"
    else:
        until = back.received_ns if q.streamed_through(back) else q.start(back)
        what = "the market's next usable book snapshot"
    if loss is None:
        return f"{q.ticker}: no book snapshot usable at that moment (next at received_ns {until})"
    return _interval(q, loss, until, what)


def _interval(q: _Queries, loss: Loss, until: int, what: str) -> str:
    start = "the start of the tape" if loss.before_ns < 0 else f"received_ns {loss.before_ns}"
    end = f"received_ns {until} ({what})" if until != END else "the end of the tape"
    text = f"{q.ticker}: unknown from {start} (the last frame before the loss) to {end}"
    if q.clock == "exchange":
        lo, first = q.stamps.latest_until(loss.before_ns), q.stamps.first_from(until)
        hi = None if first is None else first[1]
        text += (
            f"; on the exchange clock from {_ms(lo, 'the start of the tape')} "
            f"to {_ms(hi, 'the end of the tape')}"
        )
    return f"{text}; {loss.row()}"


def _ms(ts: int | None, none: str) -> str:
    return none if ts is None else f"exchange ts_ms {ts}"


class _Queries:
    def __init__(self, store: Store, ticker: str, clock: BookClock) -> None:
        self.store = store
        self.ticker = ticker
        self.clock = clock
        self.p = store.placeholder
        self._streamed: dict[int, bool] = {}
        self.stamps = Stamps(store)

    def sql(self, template: str, *params: object) -> list[tuple[object, ...]]:
        return self.store.sql(template.format(p=self.p), (self.ticker, *params))

    def scalar(self, template: str, *params: object) -> int | None:
        rows = self.sql(template, *params)
        return int(rows[0][0]) if rows and rows[0][0] is not None else None  # type: ignore[call-overload]

    def any_scalar(self, template: str, *params: object) -> int | None:
        """A scalar over every market's rows."""
        rows = self.store.sql(template.format(p=self.p), params)
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def has_deltas(self) -> bool:
        """Any delta tape at all (a market's own may be empty: other markets' deltas
        place its snapshots on the exchange clock)."""
        return bool(self.store.sql("SELECT 1 FROM orderbook_deltas LIMIT 1"))

    # ------------------------------------------------------------------ anchors

    def _anchor(self, where: str, order: str, *params: object) -> Anchor | None:
        rows = self.sql(
            "SELECT received_ns, trigger, sid, seq FROM market_snapshots "
            f"WHERE market_ticker = {{p}} AND {where} ORDER BY received_ns {order} LIMIT 1",
            *params,
        )
        if not rows:
            return None
        received, trigger, sid, seq = rows[0]
        return Anchor(int(received), str(trigger), int(sid or 0), int(seq or 0))  # type: ignore[call-overload]

    def anchor_at_or_before(self, cut: int) -> Anchor | None:
        """The last book snapshot at or before the cut."""
        return self._anchor(f"received_ns <= {{p}} AND trigger IN ({_TRIGGERS})", "DESC", cut)

    def snapshot_after(self, cut: int) -> Anchor | None:
        """The market's first exchange snapshot after the cut."""
        return self._anchor("received_ns > {p} AND trigger = 'snapshot'", "ASC", cut)

    def streamed_through(self, snap: Anchor) -> bool:
        """Did the snapshot answer get_snapshot on a subscription that kept streaming the
        market since its previous exchange snapshot (see the module doc)?"""
        if snap.received_ns not in self._streamed:
            self._streamed[snap.received_ns] = self._streamed_through(snap)
        return self._streamed[snap.received_ns]

    def _streamed_through(self, snap: Anchor) -> bool:
        if snap.trigger != "snapshot" or snap.sid <= 0:
            return False
        prev = self._anchor("received_ns < {p} AND trigger = 'snapshot'", "DESC", snap.received_ns)
        if prev is None or prev.sid != snap.sid or prev.seq >= snap.seq:
            return False
        broken = self.sql(
            "SELECT count(*) FROM sequence_gaps WHERE market_ticker IN ({p}, '') "
            "AND received_ns > {p} AND received_ns <= {p} AND (kind = 'reconnect' OR "
            "(kind = 'resync_step' AND coalesce(detail, '') NOT LIKE '%get_snapshot%'))",
            prev.received_ns,
            snap.received_ns,
        )
        return not broken or not broken[0][0]

    def start(self, anchor: Anchor) -> int:
        """The first cut the anchor can answer forwards."""
        exact = anchor.trigger in ("interval", "spike") or self.streamed_through(anchor)
        if self.clock == "received" or exact:
            return anchor.received_ns
        first = self.stamps.first_from(anchor.received_ns, strict=True)
        return END if first is None else first[0]

    def levels(self, base_ns: int) -> OrderBook:
        rows = self.sql(
            "SELECT side, price, quantity FROM orderbook_snapshots "
            "WHERE market_ticker = {p} AND received_ns = {p}",
            base_ns,
        )
        yes = [(Price(p), Count(q)) for s, p, q in rows if s == "yes"]  # type: ignore[arg-type]
        no = [(Price(p), Count(q)) for s, p, q in rows if s == "no"]  # type: ignore[arg-type]
        return OrderBook.from_levels(self.ticker, yes, no)

    def deltas(self, after_ns: int, until_ns: int) -> list[Delta]:
        """Every stored delta of the market received in (after_ns, until_ns], live or
        awaiting_snapshot alike."""
        rows = self.sql(
            "SELECT side, price, delta, sid, seq FROM orderbook_deltas "
            "WHERE market_ticker = {p} AND received_ns > {p} AND received_ns <= {p} "
            "ORDER BY received_ns, sid, seq",
            after_ns,
            until_ns,
        )
        return [
            ("yes" if s == "yes" else "no", Decimal(str(p)), Decimal(str(d)), int(i), int(n))  # type: ignore[call-overload]
            for s, p, d, i, n in rows
        ]

    # ------------------------------------------------------------------ losses

    def losses(self, low: int, cut: int, back: Anchor | None) -> list[Loss]:
        """The loss rows that can touch cuts from `low` on, up to the next snapshot."""
        if self.clock == "exchange":  # a row before the last stamp ends before it
            last = self.stamps.last_until(low)
            low = -1 if last is None else last
        if back is not None:
            high = back.received_ns
        else:
            nxt = self.scalar(
                f"SELECT min(received_ns) FROM sequence_gaps WHERE market_ticker IN ({{p}}, '') "
                f"AND kind IN ({_LOSS}) AND received_ns > {{p}}",
                cut,
            )
            high = cut if nxt is None else nxt
        return self._loss_rows("received_ns > {p} AND received_ns <= {p}", low, high)

    def last_loss(self, cut: int) -> Loss | None:
        rows = self._loss_rows("received_ns <= {p} ORDER BY received_ns DESC LIMIT 1", cut)
        return rows[0] if rows else None

    def _loss_rows(self, where: str, *params: object) -> list[Loss]:
        rows = self.sql(
            "SELECT kind, received_ns, detail FROM sequence_gaps "
            f"WHERE market_ticker IN ({{p}}, '') AND kind IN ({_LOSS}) AND {where}",
            *params,
        )
        seen = sorted({(int(r), str(k), str(d or "")) for k, r, d in rows})  # type: ignore[call-overload]
        return [self._loss(kind, received, detail) for received, kind, detail in seen]

    def _loss(self, kind: str, received: int, detail: str) -> Loss:
        before = max(
            self.any_scalar(
                "SELECT max(received_ns) FROM orderbook_deltas WHERE received_ns < {p}", received
            )
            or -1,
            self.any_scalar(
                "SELECT max(received_ns) FROM market_snapshots "
                "WHERE trigger = 'snapshot' AND received_ns < {p}",
                received,
            )
            or -1,
        )
        after = received
        if self.clock == "exchange":
            first = self.stamps.first_from(received)
            after = END if first is None else first[0]
        return Loss(kind, received, detail, before, after)
