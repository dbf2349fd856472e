"""Rebuild a market's order book at a past moment from the stored tape.

    rebuilt = rebuild_book(store, "KXHIGHNY-26JUN02-B79.5", at_ns, clock="exchange")
    rebuilt.book.best_yes_bid, rebuilt.book.to_json()

The base is the market's last book snapshot (orderbook_snapshots, found through its
market_snapshots row so that empty books count: triggers snapshot, interval, spike, poll)
at or before the cut; the tape (orderbook_deltas) after it is applied in arrival order.

`clock="received"`: the book as our collector held it right after receiving everything
stamped at or before `at_ns`. `clock="exchange"`: the book after every change the
exchange stamped at or before `at_ns` (ms resolution) — the cut is just before the
market's first delta stamped later.

A book is *unknown* (`BookUnknown`) when a sequence gap, resync or reconnect touching the
market lies between the base and the first delta after the cut: a lost frame may have
changed it, until the next snapshot (a resync answers within milliseconds). The tape keeps
every delta received while the book awaited that snapshot (`book_state =
'awaiting_snapshot'`), but the rebuild does not use them yet (see `rebuild_book`).
The error names the gap's sequence_gaps row. Rebuilding never guesses.

Ordering facts the rebuild relies on (kalshi-api.md §5.3; the simulator does the same): a
book snapshot takes the next `seq` of its subscription, like a delta, so it holds exactly
the market's changes sent before it on that sid; one connection delivers frames in the
order sent, and the exchange sends changes in exchange-time order (`ts_ms` never decreases
along a connection's stream).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kalshi_tape.client.stream import BookInvariantError, OrderBook
from kalshi_tape.core.domain import Side
from kalshi_tape.core.errors import KtapeError
from kalshi_tape.core.money import Count, Price
from kalshi_tape.storage import Store
from kalshi_tape.storage.records import LOSS_KINDS

BOOK_TRIGGERS = ("snapshot", "interval", "spike", "poll")
_LOSS = ", ".join(f"'{k}'" for k in LOSS_KINDS)  # resync_step / resynced rows lose nothing
END = 2**63 - 1
BookClock = Literal["received", "exchange"]


class BookUnknown(KtapeError):
    """The stored tape cannot say what the book was at that moment."""


@dataclass(frozen=True, slots=True)
class RebuiltBook:
    book: OrderBook
    base_ns: int  # received_ns of the base snapshot
    base_trigger: str
    deltas_applied: int
    cut_ns: int  # received-clock cut used (inclusive)


def rebuild_book(
    store: Store, ticker: str, at_ns: int, *, clock: BookClock = "received"
) -> RebuiltBook:
    q = _Queries(store, ticker)
    try:
        return _forward(q, ticker, at_ns, clock)
    except LostFrames as lost:
        # Undoing the deltas received before the next resync snapshot would name the book up
        # to the revealing frame; that was switched off (with the exchange-clock placement of
        # resync snapshots by the stream's global order) after a rare mismatch with the
        # simulator's truth under load. The tape keeps those deltas, marked
        # `awaiting_snapshot`, so it can return without re-collecting.
        raise BookUnknown(lost.explain(q)) from None


def _forward(q: _Queries, ticker: str, at_ns: int, clock: BookClock) -> RebuiltBook:
    """From the last base snapshot before the moment, the tape forward."""
    if clock == "exchange":
        cut, base_before, next_frame = _exchange_cut(q, ticker, at_ns // 1_000_000)
    else:
        cut, base_before = at_ns, at_ns + 1
        next_frame = q.any_scalar(
            "SELECT min(received_ns) FROM orderbook_deltas WHERE received_ns > {p}", at_ns
        )
    base_ns, trigger = q.base(base_before)
    # A frame lost after the first frame beyond the moment cannot have changed the book
    # at the moment: the stream is in order, so only gaps before it matter.
    q.check_gaps(base_ns, next_frame if next_frame is not None else END)
    book = q.levels(base_ns)
    applied = 0
    for side, price, delta in q.deltas(base_ns, cut):
        try:
            book.apply_delta(side, Price(price), delta)
        except BookInvariantError as exc:
            raise BookUnknown(f"{ticker}: the stored tape breaks the book: {exc}") from None
        applied += 1
    return RebuiltBook(book, base_ns, trigger, applied, cut)


class LostFrames(BookUnknown):
    """A sequence gap, resync or reconnect lies between the base snapshot and the cut."""

    def __init__(self, ticker: str, kind: str, when: int, detail: str) -> None:
        self.ticker, self.kind, self.when, self.detail = ticker, kind, when, detail
        super().__init__(self.explain(None))

    def explain(self, q: _Queries | None) -> str:
        """Which interval is unknown, and the sequence_gaps row that says so."""
        last = None
        if q is not None:
            last = q.any_scalar(
                "SELECT max(received_ns) FROM orderbook_deltas WHERE received_ns < {p}",
                self.when,
            )
        start = "the base snapshot" if last is None else f"received_ns {last}"
        return (
            f"{self.ticker}: unknown from {start} (the last frame before the loss; it came "
            f"to light at received_ns {self.when}) until the market's next book snapshot; "
            f"sequence_gaps row kind={self.kind} received_ns={self.when}: "
            f"{self.detail or 'no detail'}"
        )


def _exchange_cut(q: _Queries, ticker: str, at_ms: int) -> tuple[int, int, int | None]:
    """(received cut, bound for the base, first delta of any market stamped later).

    The exchange streams in time order, so the market's deltas before its first one
    stamped after `at_ms` are exactly its changes up to `at_ms`. A base snapshot must lie
    before some delta (of any market) stamped at or before `at_ms`: a snapshot's state is
    no newer than the next frame, and a resync snapshot may already hold changes whose
    deltas were never stored."""
    if not q.has_deltas():
        raise BookUnknown(f"{ticker}: no delta tape stored; use the received clock")
    first_after = q.scalar(
        "SELECT min(received_ns) FROM orderbook_deltas "
        "WHERE market_ticker = {p} AND exchange_ts_ms > {p}",
        at_ms,
    )
    end = first_after if first_after is not None else END
    last_before = q.any_scalar(
        "SELECT max(received_ns) FROM orderbook_deltas "
        "WHERE exchange_ts_ms <= {p} AND received_ns < {p}",
        at_ms,
        end,
    )
    if last_before is None:
        raise BookUnknown(f"{ticker}: nothing on the tape at or before that moment")
    next_frame = q.any_scalar(
        "SELECT min(received_ns) FROM orderbook_deltas "
        "WHERE exchange_ts_ms > {p} AND received_ns > {p}",
        at_ms,
        last_before,
    )
    return end - 1, last_before, next_frame


class _Queries:
    def __init__(self, store: Store, ticker: str) -> None:
        self.store = store
        self.ticker = ticker
        self.p = store.placeholder

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
        rows = self.sql("SELECT 1 FROM orderbook_deltas WHERE market_ticker = {p} LIMIT 1")
        return bool(rows)

    def base(self, before: int) -> tuple[int, str]:
        """The last book snapshot received strictly before `before`."""
        triggers = ", ".join(f"'{t}'" for t in BOOK_TRIGGERS)
        rows = self.sql(
            "SELECT received_ns, trigger FROM market_snapshots WHERE market_ticker = {p} "
            f"AND received_ns < {{p}} AND trigger IN ({triggers}) "
            "ORDER BY received_ns DESC LIMIT 1",
            before,
        )
        if not rows:
            raise BookUnknown(f"{self.ticker}: no book snapshot stored at or before that moment")
        return int(rows[0][0]), str(rows[0][1])  # type: ignore[call-overload]

    def first_gap(self, after_ns: int, until_ns: int) -> tuple[str, int, str] | None:
        rows = self.sql(
            "SELECT kind, received_ns, detail FROM sequence_gaps "
            "WHERE market_ticker IN ({p}, '') AND received_ns > {p} AND received_ns <= {p} "
            f"AND kind IN ({_LOSS}) "
            "ORDER BY received_ns, kind LIMIT 1",
            after_ns,
            until_ns,
        )
        if not rows:
            return None
        kind, when, detail = rows[0]
        return str(kind), int(when), str(detail or "")  # type: ignore[call-overload]

    def check_gaps(self, after_ns: int, until_ns: int) -> None:
        gap = self.first_gap(after_ns, until_ns)
        if gap is not None:
            raise LostFrames(self.ticker, *gap)

    def levels(self, base_ns: int) -> OrderBook:
        rows = self.sql(
            "SELECT side, price, quantity FROM orderbook_snapshots "
            "WHERE market_ticker = {p} AND received_ns = {p}",
            base_ns,
        )
        yes = [(Price(p), Count(q)) for s, p, q in rows if s == "yes"]  # type: ignore[arg-type]
        no = [(Price(p), Count(q)) for s, p, q in rows if s == "no"]  # type: ignore[arg-type]
        return OrderBook.from_levels(self.ticker, yes, no)

    def deltas(self, base_ns: int, cut: int) -> list[tuple[Side, Decimal, Decimal]]:
        """The live deltas (applied to the book when they arrived) after the base."""
        rows = self.sql(
            "SELECT side, price, delta FROM orderbook_deltas WHERE market_ticker = {p} "
            "AND received_ns > {p} AND received_ns <= {p} "
            "AND book_state IS DISTINCT FROM 'awaiting_snapshot' "
            "ORDER BY received_ns, sid, seq",
            base_ns,
            cut,
        )
        return [
            ("yes" if s == "yes" else "no", Decimal(str(p)), Decimal(str(d))) for s, p, d in rows
        ]
