"""Property: for a random delta stream with random losses and random resync-snapshot
positions, run through the real feed and stored, every moment `rebuild_book` answers (both
clocks) equals the true book, and the unknown moments are exactly those the stream cannot
tell: between the stored frames around a lost one (on the exchange clock, the deltas
stamped around it), or where no snapshot of the market is joined to the moment without a
loss between them."""

from __future__ import annotations

import json
import random
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_tape.books import BookUnknown, rebuild_book
from kalshi_tape.client.stream import Connected, FeedState, Gap, Resync
from kalshi_tape.core.domain import OrderbookDelta, OrderbookSnapshot
from kalshi_tape.storage import Store, open_store
from kalshi_tape.storage.records import MarketSnapshotRow, SequenceGapRow

MARKETS = ("MKT-A", "MKT-B")
PRICES = ("0.3000", "0.3100", "0.3200")
SLOT = 1000  # received_ns between frames
Book = dict[str, Decimal]


@dataclass
class Frame:
    """One frame of the true stream: a delta (market, price, change, ts) or a snapshot."""

    market: str
    seq: int
    received: int
    ts: int | None = None  # deltas only
    price: str = ""
    change: Decimal = Decimal(0)
    book: Book = field(default_factory=dict)  # snapshots only
    lost: bool = False

    @property
    def is_delta(self) -> bool:
        return self.ts is not None

    def data(self) -> bytes:
        if self.is_delta:
            msg: dict[str, Any] = {"market_ticker": self.market, "price_dollars": self.price}
            msg |= {"delta_fp": f"{self.change:.2f}", "side": "yes", "ts_ms": self.ts}
            kind = "orderbook_delta"
        else:
            levels = [[p, f"{q:.2f}"] for p, q in sorted(self.book.items())]
            msg = {"market_ticker": self.market, "yes_dollars_fp": levels} if levels else {}
            msg["market_ticker"] = self.market
            kind = "orderbook_snapshot"
        return json.dumps({"type": kind, "sid": 1, "seq": self.seq, "msg": msg}).encode()


@st.composite
def streams(draw: st.DrawFn) -> list[Frame]:
    """Initial snapshots, then deltas (some lost) and, after each loss, a resync snapshot
    of every market at a random later position; the last frame is never lost."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    n = draw(st.integers(4, 24))
    lost = set(draw(st.lists(st.integers(0, n - 2), max_size=3)))
    books: dict[str, Book] = {m: {PRICES[0]: Decimal(5)} for m in MARKETS}
    frames = [Frame(m, 0, 0, book=dict(books[m])) for m in MARKETS]
    pending: list[tuple[int, str]] = []  # (delta index to snapshot before, market)
    ts = 100
    for i in range(n):
        for _at, market in sorted(p for p in pending if p[0] == i):
            frames.append(Frame(market, 0, 0, book=dict(books[market])))
        pending = [p for p in pending if p[0] != i]
        market, price = rng.choice(MARKETS), rng.choice(PRICES)
        size = books[market].get(price, Decimal(0))
        change = -size if size and rng.random() < 0.4 else Decimal(rng.randint(1, 4))
        books[market][price] = size + change
        if not books[market][price]:
            del books[market][price]
        ts += rng.choice((0, 0, 1, 2, 5))
        frames.append(Frame(market, 0, 0, ts=ts, price=price, change=change, lost=i in lost))
        if i in lost:
            pending += [(rng.randint(i + 1, n), m) for m in MARKETS]
    frames += [Frame(m, 0, 0, book=dict(books[m])) for at, m in sorted(pending) if at >= n]
    for k, frame in enumerate(frames):
        frame.seq, frame.received = k + 1, (k + 1) * SLOT
    return frames


def _store(frames: list[Frame], path: Path) -> Store:
    state = FeedState(list(MARKETS))
    state.on_connected(Connected("ws://x", False, 1, 0))
    (subscribe,) = state.take_outbox()
    reply = {"id": json.loads(subscribe)["id"], "type": "subscribed"}
    reply["msg"] = {"channel": "orderbook_delta", "sid": 1}
    state.handle_frame(json.dumps(reply).encode(), 1)
    rows: dict[str, list[Any]] = {
        k: [] for k in ("orderbook_deltas", "orderbook_snapshots", "market_snapshots")
    }
    rows["sequence_gaps"] = []
    for frame in frames:
        if not frame.lost:
            for event in state.handle_frame(frame.data(), frame.received):
                _record(event, rows)
    store = open_store(f"duckdb:///{path}")
    store.commit_chunk(**rows)
    return store


def _record(event: object, rows: dict[str, list[Any]]) -> None:
    """What the collector's recorder stores for these events."""
    if isinstance(event, OrderbookDelta):
        rows["orderbook_deltas"].append(event)
    elif isinstance(event, OrderbookSnapshot):
        rows["orderbook_snapshots"].append(event)
        row = MarketSnapshotRow(
            event.market_ticker, event.received_ns, "snapshot", sid=event.sid, seq=event.seq
        )
        rows["market_snapshots"].append(row)
    elif isinstance(event, Gap):
        gap = SequenceGapRow(event.received_ns, "gap", event.sid, "", event.expected, event.got)
        rows["sequence_gaps"].append(gap)
    elif isinstance(event, Resync):
        for ticker in event.tickers:
            rows["sequence_gaps"].append(SequenceGapRow(event.received_ns, "resync", 0, ticker))


def _truth(frames: list[Frame], market: str, cut: int) -> Book:
    """The market's true book after the first `cut` frames of the true stream."""
    book: Book = {}
    for frame in frames[:cut]:
        if frame.market != market:
            continue
        if not frame.is_delta:
            book = dict(frame.book)
            continue
        book[frame.price] = book.get(frame.price, Decimal(0)) + frame.change
        if not book[frame.price]:
            del book[frame.price]
    return book


def _knowable(frames: list[Frame], market: str, cut: int) -> bool:
    """Is some snapshot of the market joined to the cut (the first `cut` frames of the
    true stream) by no lost frame? A snapshot before the cut counts (forwards); one after
    it too (backwards) unless it is the market's first."""
    snaps = [k for k, f in enumerate(frames) if f.market == market and not f.is_delta]
    lost = [k for k, f in enumerate(frames) if f.lost]
    for rank, k in enumerate(snaps):
        lo, hi = (k, cut) if k < cut else (cut, k)
        if rank == 0 and k >= cut:
            continue
        if not any(lo <= x < hi for x in lost):
            return True
    return False


def _show(frames: list[Frame]) -> str:
    return " ".join(
        f"{'LOST ' if f.lost else ''}{f.seq}:{f.market[-1]}"
        + (f"@{f.ts}{f.price[-2:]}{f.change:+}" if f.is_delta else f"snap{f.book}")
        for f in frames
    )


def _answer(store: Store, market: str, at_ns: int, clock: str) -> Book | None:
    try:
        rebuilt = rebuild_book(store, market, at_ns, clock=clock)  # type: ignore[arg-type]
    except BookUnknown:
        return None
    return {p: Decimal(q) for p, q in rebuilt.book.to_json()["yes"]}


def _check_received(store: Store, frames: list[Frame]) -> None:
    stored = [f.received for f in frames if not f.lost]
    for k in range(len(frames)):
        for at in (frames[k].received, frames[k].received + SLOT // 2):
            cut = sum(1 for f in frames if f.received <= at)
            around_loss = any(
                f.lost
                and max([r for r in stored if r < f.received], default=-1) < at
                and at < min(r for r in stored if r > f.received)
                for f in frames
            )
            for market in MARKETS:
                got = _answer(store, market, at, "received")
                known = not around_loss and _knowable(frames, market, cut)
                assert (got is not None) == known, (market, at, got, _show(frames))
                if got is not None:
                    assert got == _truth(frames, market, cut), (market, at)


def _check_exchange(store: Store, frames: list[Frame]) -> None:
    stored = [k for k, f in enumerate(frames) if f.is_delta and not f.lost]
    stamp = {k: frames[k].ts or 0 for k in stored}
    lost = [k for k, f in enumerate(frames) if f.lost]
    for t in range(stamp[stored[0]], stamp[stored[-1]] + 3):
        cut = next((k for k in stored if stamp[k] > t), len(frames))
        # the lost frame's stamp lies between those of the stored deltas around it
        around_loss = any(
            max((stamp[k] for k in stored if k < x), default=-1)
            <= t
            < min(stamp[k] for k in stored if k > x)
            for x in lost
        )
        for market in MARKETS:
            got = _answer(store, market, t * 1_000_000, "exchange")
            known = not around_loss and _knowable(frames, market, cut)
            assert (got is not None) == known, (market, t, got, _show(frames))
            if got is not None:
                first = next(k for k, f in enumerate(frames) if f.market == market)
                true = [frames[first], *(f for f in frames if f.is_delta and (f.ts or 0) <= t)]
                assert got == _truth(true, market, len(true)), (market, t)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_every_answer_is_true_and_unknown_is_exactly_the_lost_intervals(
    frames: list[Frame],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = _store(frames, Path(tmp) / "w.duckdb")
        try:
            _check_received(store, frames)
            _check_exchange(store, frames)
        finally:
            store.close()
