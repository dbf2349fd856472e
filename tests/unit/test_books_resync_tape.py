"""Deltas received while a book awaits its resync snapshot are on the tape, marked; a
rebuilt book is unknown only between the frames around a loss (rebuilt backwards from the
resync snapshot after it), and the error names the interval and its sequence_gaps row."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kalshi_tape.books import BookUnknown, rebuild_book
from kalshi_tape.cli.main import main
from kalshi_tape.client.stream import Connected, FeedState, Gap, Resync
from kalshi_tape.core.domain import OrderbookDelta, OrderbookSnapshot
from kalshi_tape.storage import Store, open_store
from kalshi_tape.storage.records import MarketSnapshotRow, SequenceGapRow

A = "MKT-A"


def _snap(seq: int, yes: list[list[str]]) -> bytes:
    msg = {"market_ticker": A, "yes_dollars_fp": yes}
    return json.dumps({"type": "orderbook_snapshot", "sid": 1, "seq": seq, "msg": msg}).encode()


def _delta(seq: int, price: str, change: str, ts: int) -> bytes:
    msg = {"market_ticker": A, "price_dollars": price, "delta_fp": change, "side": "yes"}
    msg["ts_ms"] = ts  # type: ignore[assignment]
    return json.dumps({"type": "orderbook_delta", "sid": 1, "seq": seq, "msg": msg}).encode()


# (frame, received_ns). Seq 3 (ts 20 ms, yes 0.40 +2) is lost: truth after it is 0.40 x 13.
FRAMES = [
    (_snap(1, [["0.4000", "10.00"]]), 1000),
    (_delta(2, "0.4000", "1.00", 10), 2000),
    (_delta(4, "0.4100", "5.00", 30), 4000),  # reveals the gap; the book awaits a snapshot
    (_delta(5, "0.4000", "-3.00", 40), 5000),  # awaiting too
    (_snap(6, [["0.4000", "10.00"], ["0.4100", "5.00"]]), 6000),
    (_delta(7, "0.4100", "1.00", 50), 7000),
]


def _rows(events: list[Any], rows: dict[str, list[Any]]) -> None:
    """What the collector's recorder stores for these events."""
    for event in events:
        if isinstance(event, OrderbookDelta):
            rows["orderbook_deltas"].append(event)
        elif isinstance(event, OrderbookSnapshot):
            rows["orderbook_snapshots"].append(event)
            rows["market_snapshots"].append(
                MarketSnapshotRow(A, event.received_ns, "snapshot", sid=event.sid, seq=event.seq)
            )
        elif isinstance(event, Gap):
            rows["sequence_gaps"].append(
                SequenceGapRow(event.received_ns, "gap", event.sid, "", event.expected, event.got)
            )
        elif isinstance(event, Resync):
            rows["sequence_gaps"].append(SequenceGapRow(event.received_ns, "resync", 0, A))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"duckdb:///{tmp_path / 'w.duckdb'}") as opened:
        opened.commit_chunk(**_tape())
        yield opened


def _tape(frames: list[tuple[bytes, int]] = FRAMES) -> dict[str, list[Any]]:
    state = FeedState([A])
    state.on_connected(Connected("ws://x", False, 1, 0))
    (subscribe,) = state.take_outbox()
    reply = {
        "id": json.loads(subscribe)["id"],
        "type": "subscribed",
        "msg": {"channel": "orderbook_delta", "sid": 1},
    }
    state.handle_frame(json.dumps(reply).encode(), 1)
    rows: dict[str, list[Any]] = {
        k: [] for k in ("orderbook_deltas", "orderbook_snapshots", "market_snapshots")
    }
    rows["sequence_gaps"] = []
    for frame, received in frames:
        _rows(state.handle_frame(frame, received), rows)
    return rows


def _yes(store: Store, at_ns: int, clock: str) -> list[list[str]]:
    return rebuild_book(store, A, at_ns, clock=clock).book.to_json()["yes"]  # type: ignore[arg-type]


def test_awaiting_deltas_are_stored_and_marked(store: Store) -> None:
    rows = store.sql("SELECT seq, book_state FROM orderbook_deltas ORDER BY seq")
    assert rows == [(2, "live"), (4, "awaiting_snapshot"), (5, "awaiting_snapshot"), (7, "live")]


AFTER_LOSS = [["0.4000", "13.00"], ["0.4100", "5.00"]]  # seq 3 and 4 in
BEFORE_SNAPSHOT = [["0.4000", "10.00"], ["0.4100", "5.00"]]  # seq 5 in


def test_received_clock_is_unknown_only_between_the_frames_around_the_loss(store: Store) -> None:
    assert _yes(store, 1500, "received") == [["0.4000", "10.00"]]
    assert _yes(store, 2000, "received") == [["0.4000", "11.00"]]
    # seq 3 was lost between the frames received at 2000 and 4000: unknown there only
    for moment in (2001, 3000, 3999):
        with pytest.raises(BookUnknown) as unknown:
            _yes(store, moment, "received")
        text = str(unknown.value)
        assert "from received_ns 2000" in text and "to received_ns 4000" in text
        assert "sequence_gaps row kind=gap received_ns=4000" in text
    # from the revealing frame on: the resync snapshot (6000) with seq 5 undone
    assert _yes(store, 4000, "received") == AFTER_LOSS
    assert _yes(store, 4500, "received") == AFTER_LOSS
    assert _yes(store, 5500, "received") == BEFORE_SNAPSHOT
    assert _yes(store, 6500, "received") == BEFORE_SNAPSHOT


def test_exchange_clock_is_unknown_only_between_the_deltas_around_the_loss(store: Store) -> None:
    ms = 1_000_000
    with pytest.raises(BookUnknown, match="nothing on the tape"):  # the first snapshot is
        _yes(store, 9 * ms, "exchange")  # placed only at the first delta after it
    # seq 3 (lost) was stamped in 10..30 ms: after seq 2 (10 ms), up to seq 4 (30 ms)
    for unknown_ms in (10, 15, 29):
        with pytest.raises(BookUnknown) as unknown:
            _yes(store, unknown_ms * ms, "exchange")
        text = str(unknown.value)
        assert "from exchange ts_ms 10 to exchange ts_ms 30" in text
        assert "kind=gap received_ns=4000" in text
    assert _yes(store, 30 * ms, "exchange") == AFTER_LOSS
    assert _yes(store, 39 * ms, "exchange") == AFTER_LOSS
    assert _yes(store, 40 * ms, "exchange") == BEFORE_SNAPSHOT
    assert _yes(store, 49 * ms, "exchange") == BEFORE_SNAPSHOT
    assert _yes(store, 55 * ms, "exchange") == [["0.4000", "10.00"], ["0.4100", "6.00"]]


def test_ktape_book_names_the_unknown_interval_and_refuses_bare_numbers(tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with open_store(db) as opened:
        opened.commit_chunk(**_tape())
    book = ["book", A, "--clock", "received", "--db", db, "--at"]
    known = CliRunner().invoke(main, [*book, "7500ns"])
    assert known.exit_code == 0, known.output
    assert "0.4100x6.00" in known.output and "+ 1 deltas" in known.output
    unknown = CliRunner().invoke(main, [*book, "3000ns"])
    assert unknown.exit_code == 1 and "unknown from received_ns 2000" in unknown.output
    assert "to received_ns 4000" in unknown.output and "kind=gap received_ns=4000" in unknown.output
    ms = "000000ns"
    exchange = CliRunner().invoke(main, ["book", A, "--db", db, "--at", f"20{ms}"])
    assert exchange.exit_code == 1, exchange.output
    assert "from exchange ts_ms 10 to exchange ts_ms 30" in exchange.output
    undone = CliRunner().invoke(main, ["book", A, "--db", db, "--at", f"35{ms}"])
    assert undone.exit_code == 0 and "snapshot (undone) + 1 deltas" in undone.output
    bare = CliRunner().invoke(main, [*book, "2500"])
    assert bare.exit_code == 2 and "needs a unit" in bare.output and "1704067200s" in bare.output


def test_a_loss_with_no_delta_after_it_leaves_the_exchange_clock_unknown(tmp_path: Path) -> None:
    """Seq 8 is lost after the last delta (50 ms) and revealed by a snapshot: no later
    delta bounds its stamp, so every later moment is unknown on the exchange clock (the
    received clock knows the book from that snapshot on)."""
    frames = [*FRAMES, (_snap(9, [["0.4000", "12.00"]]), 9000)]
    with open_store(f"duckdb:///{tmp_path / 'w.duckdb'}") as opened:
        opened.commit_chunk(**_tape(frames))
        assert _yes(opened, 9000, "received") == [["0.4000", "12.00"]]
        for known_ms in (45, 49):
            assert _yes(opened, known_ms * 1_000_000, "exchange") == BEFORE_SNAPSHOT
        for late_ms in (50, 60, 10**6):
            with pytest.raises(BookUnknown, match="kind=gap received_ns=9000"):
                _yes(opened, late_ms * 1_000_000, "exchange")


def test_a_ticker_message_after_the_loss_places_the_new_snapshot_on_the_exchange_clock(
    tmp_path: Path,
) -> None:
    """As above, but a ticker message (any market's: a subscription's initial ticker
    snapshot after a reconnect, stamped 70 ms) follows the snapshot: from its stamp on,
    the exchange clock knows the book; before it, the loss still holds."""
    frames = [*FRAMES, (_snap(9, [["0.4000", "12.00"]]), 9000)]
    tape = _tape(frames)
    tape["market_snapshots"].append(MarketSnapshotRow("MKT-B", 9500, "ticker", exchange_ts_ms=70))
    with open_store(f"duckdb:///{tmp_path / 'w.duckdb'}") as opened:
        opened.commit_chunk(**tape)
        for late_ms in (70, 100, 10**6):
            assert _yes(opened, late_ms * 1_000_000, "exchange") == [["0.4000", "12.00"]]
        for lost_ms in (50, 69):
            with pytest.raises(BookUnknown) as unknown:
                _yes(opened, lost_ms * 1_000_000, "exchange")
            assert "to exchange ts_ms 70" in str(unknown.value)
            assert "kind=gap received_ns=9000" in str(unknown.value)


def test_an_initial_ticker_stamped_before_the_last_delta_does_not_place_the_snapshot(
    tmp_path: Path,
) -> None:
    """As above, but the ticker after the loss is stamped 45 ms, older than the last
    delta before the loss (50 ms): no send time (a stale initial snapshot, the market's
    last change), so it neither ends the loss nor places the new snapshot; a later ticker
    (80 ms) not lower than any earlier stamp does. A stamp equal to the latest counts."""
    frames = [*FRAMES, (_snap(9, [["0.4000", "12.00"]]), 9000)]
    tape = _tape(frames)
    tape["market_snapshots"] += [
        MarketSnapshotRow("MKT-B", 9500, "ticker", exchange_ts_ms=45),
        MarketSnapshotRow("MKT-C", 9600, "ticker", exchange_ts_ms=30),
        MarketSnapshotRow("MKT-B", 9700, "ticker", exchange_ts_ms=80),
        MarketSnapshotRow("MKT-C", 9800, "ticker", exchange_ts_ms=80),
    ]
    with open_store(f"duckdb:///{tmp_path / 'w.duckdb'}") as opened:
        opened.commit_chunk(**tape)
        for lost_ms in (50, 60, 79):
            with pytest.raises(BookUnknown) as unknown:
                _yes(opened, lost_ms * 1_000_000, "exchange")
            assert "received_ns 9700" in str(unknown.value)
            assert "to exchange ts_ms 80" in str(unknown.value)
            assert "kind=gap received_ns=9000" in str(unknown.value)
        for late_ms in (80, 10**6):
            assert _yes(opened, late_ms * 1_000_000, "exchange") == [["0.4000", "12.00"]]
        for known_ms in (45, 49):
            assert _yes(opened, known_ms * 1_000_000, "exchange") == BEFORE_SNAPSHOT


def test_a_stale_ticker_alone_after_the_loss_leaves_the_exchange_clock_unknown(
    tmp_path: Path,
) -> None:
    """Only the stale ticker (stamped 20 ms, before the loss) follows it: every later
    moment stays unknown on the exchange clock (the old rebuild answered the new
    snapshot at every moment from 50 ms on)."""
    frames = [*FRAMES, (_snap(9, [["0.4000", "12.00"]]), 9000)]
    tape = _tape(frames)
    tape["market_snapshots"].append(MarketSnapshotRow("MKT-B", 9500, "ticker", exchange_ts_ms=20))
    with open_store(f"duckdb:///{tmp_path / 'w.duckdb'}") as opened:
        opened.commit_chunk(**tape)
        for late_ms in (50, 60, 10**6):
            with pytest.raises(BookUnknown) as unknown:
                _yes(opened, late_ms * 1_000_000, "exchange")
            assert "the end of the tape" in str(unknown.value)
            assert "kind=gap received_ns=9000" in str(unknown.value)
        for known_ms in (45, 49):
            assert _yes(opened, known_ms * 1_000_000, "exchange") == BEFORE_SNAPSHOT
