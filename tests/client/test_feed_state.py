"""The resync model of `FeedState`, frame by frame (no network: frames in, commands out)."""

from __future__ import annotations

import json
from typing import Any

from kalshi_tape.client.stream import (
    ChannelError,
    Connected,
    Disconnected,
    FeedState,
    Gap,
    Malformed,
    Resync,
)
from kalshi_tape.core.clock import ManualClock
from kalshi_tape.core.domain import OrderbookDelta, OrderbookSnapshot
from kalshi_tape.core.money import Count, Price

A, B = "MKT-A", "MKT-B"


def snap(seq: int, ticker: str, yes: list[list[str]], no: list[list[str]], sid: int = 1) -> bytes:
    msg: dict[str, Any] = {"market_ticker": ticker}
    if yes:
        msg["yes_dollars_fp"] = yes
    if no:
        msg["no_dollars_fp"] = no
    return json.dumps({"type": "orderbook_snapshot", "sid": sid, "seq": seq, "msg": msg}).encode()


def delta(
    seq: int, ticker: str, side: str, price: str, change: str, ts: int = 1, sid: int = 1
) -> bytes:
    msg = {"market_ticker": ticker, "price_dollars": price, "delta_fp": change, "side": side}
    msg["ts_ms"] = ts  # type: ignore[assignment]
    return json.dumps({"type": "orderbook_delta", "sid": sid, "seq": seq, "msg": msg}).encode()


def commands(state: FeedState) -> list[dict[str, Any]]:
    return [json.loads(frame) for frame in state.take_outbox()]


def connected(state: FeedState, *, subscribed: bool = True) -> FeedState:
    state.on_connected(Connected("ws://x", False, 1, 0))
    (sub,) = commands(state)
    assert sub["cmd"] == "subscribe" and sub["params"]["market_tickers"] == sorted(state.tickers)
    if subscribed:
        reply = {
            "id": sub["id"],
            "type": "subscribed",
            "msg": {"channel": "orderbook_delta", "sid": 1},
        }
        assert state.handle_frame(json.dumps(reply).encode(), 1) == []
    return state


def synced_state() -> FeedState:
    state = connected(FeedState([A, B]))
    state.handle_frame(snap(1, A, [["0.4000", "10.00"]], [["0.5000", "5.00"]]), 2)
    state.handle_frame(snap(2, B, [["0.1000", "1.00"]], []), 3)
    assert state.synced
    return state


def kinds(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


def test_snapshot_then_deltas_build_the_book() -> None:
    state = synced_state()
    events = state.handle_frame(delta(3, A, "yes", "0.4100", "2.00"), 4)
    assert kinds(events) == ["OrderbookDelta"] and events[0].received_ns == 4
    assert state.books[A].best_yes_bid == Price("0.41")


def test_gap_drops_books_requests_snapshots_and_never_merges() -> None:
    state = synced_state()
    events = state.handle_frame(delta(5, A, "yes", "0.4100", "2.00"), 4)  # seq 3, 4 lost
    assert kinds(events) == ["Gap", "Resync", "OrderbookDelta"]
    gap, resync, revealing = events
    assert isinstance(revealing, OrderbookDelta) and revealing.book_state == "awaiting_snapshot"
    assert isinstance(gap, Gap) and (gap.expected, gap.got) == (3, 5)
    assert isinstance(resync, Resync) and resync.tickers == (A, B) and resync.reason == "gap"
    (cmd,) = commands(state)
    assert cmd["params"] == {"sids": [1], "market_tickers": [A, B], "action": "get_snapshot"}
    assert state.books == {} and not state.synced
    (held,) = state.handle_frame(delta(6, A, "yes", "0.3000", "9.00"), 5)  # kept, not applied
    assert isinstance(held, OrderbookDelta) and held.book_state == "awaiting_snapshot"
    assert held.received_ns == 5 and held.exchange_ts_ms == 1 and state.books == {}
    state.handle_frame(snap(7, A, [["0.2000", "3.00"]], []), 6)
    assert state.books[A].to_json() == {"yes": [["0.2000", "3.00"]], "no": []}
    state.handle_frame(snap(8, B, [], []), 7)
    assert state.synced


def test_refused_get_snapshot_falls_back_to_resubscribe() -> None:
    state = synced_state()
    state.handle_frame(delta(9, A, "yes", "0.4100", "2.00"), 4)
    (cmd,) = commands(state)
    error = {"id": cmd["id"], "type": "error", "msg": {"code": 13, "msg": "Unsupported action"}}
    events = state.handle_frame(json.dumps(error).encode(), 5)
    assert kinds(events) == ["ChannelError", "Resync"]
    assert events[1].method == "resubscribe"
    unsub, sub = commands(state)
    assert unsub["cmd"] == "unsubscribe" and unsub["params"] == {"sids": [1]}
    assert sub["cmd"] == "subscribe" and sub["params"]["market_tickers"] == [A, B]
    # late frames of the old sid are ignored; the new sid starts its own count
    assert state.handle_frame(delta(10, A, "yes", "0.4100", "2.00", sid=1), 6) == []
    reply = {"id": sub["id"], "type": "subscribed", "msg": {"channel": "orderbook_delta", "sid": 2}}
    state.handle_frame(json.dumps(reply).encode(), 7)
    state.handle_frame(snap(1, A, [], [], sid=2), 8)
    state.handle_frame(snap(2, B, [], [], sid=2), 9)
    assert state.synced


def test_terminal_channel_error_resubscribes() -> None:
    state = synced_state()
    error = {"type": "error", "msg": {"code": 25, "msg": "subscription buffer overflow"}}
    events = state.handle_frame(json.dumps(error).encode(), 5)
    assert isinstance(events[0], ChannelError) and events[0].code == 25
    assert isinstance(events[1], Resync) and events[1].reason == "channel_error"
    assert [c["cmd"] for c in commands(state)] == ["unsubscribe", "subscribe"]
    assert state.books == {}


def test_a_malformed_book_frame_resyncs_at_once() -> None:
    """The lost frame may be the last before a quiet spell: no later seq would reveal it."""
    state = synced_state()
    events = state.handle_frame(b'{"type":"orderbook_delta","sid":1,"seq":3,"msg":{"mar', 4)
    assert kinds(events) == ["Malformed", "Resync"]
    assert isinstance(events[0], Malformed) and events[0].received_ns == 4
    assert events[1].reason == "malformed" and events[1].tickers == (A, B)
    assert not state.synced and state.books == {}
    asked = commands(state)
    assert asked and all(c["cmd"] in ("update_subscription", "subscribe") for c in asked)
    # The next seq still reports the gap, without asking for the same snapshots again.
    assert kinds(state.handle_frame(delta(4, A, "no", "0.5000", "1.00"), 5)) == [
        "Gap",
        "OrderbookDelta",
    ]
    assert commands(state) == []


def test_a_malformed_frame_of_another_channel_leaves_the_books() -> None:
    state = synced_state()
    events = state.handle_frame(b'{"type":"ticker","sid":2,"seq":9,"msg":{"market_t', 4)
    assert kinds(events) == ["Malformed"] and state.synced


def test_disconnect_clears_books_and_reconnect_restores_subscriptions() -> None:
    state = synced_state()
    assert kinds(state.on_disconnected(Disconnected("closed", 9))) == ["Disconnected"]
    assert state.books == {} and not state.synced
    connected(state)  # asserts the subscribe command for both markets
    state.handle_frame(snap(1, A, [], []), 10)
    state.handle_frame(snap(2, B, [], []), 11)
    assert state.synced


def test_every_ticker_subscribe_asks_for_stamped_initial_snapshots() -> None:
    """After a reconnect the new book snapshots carry no exchange stamp; the ticker
    snapshots subscribed right after them do, so the tape can place them (books.rebuild)."""
    state = FeedState([A, B], channels=("orderbook_delta", "ticker"))
    state.on_connected(Connected("ws://x", False, 1, 0))
    book, ticker = [json.loads(c) for c in state.take_outbox()]
    assert book["params"]["channels"] == ["orderbook_delta"], "the books first"
    assert "send_initial_snapshot" not in book["params"]
    assert ticker["params"]["channels"] == ["ticker"]
    assert ticker["params"]["send_initial_snapshot"] is True
    state.on_disconnected(Disconnected("closed", 9))
    state.on_connected(Connected("ws://x", True, 2, 0))
    again = [json.loads(c) for c in state.take_outbox()]
    assert [c["params"].get("send_initial_snapshot") for c in again] == [None, True]


def test_a_crossing_inside_one_exchange_event_is_tolerated_but_not_after_it() -> None:
    state = synced_state()  # A: yes bid 0.40, no bid 0.50
    # one event moves the yes bid to 0.55 then removes the no level it crossed
    assert kinds(state.handle_frame(delta(3, A, "yes", "0.5500", "1.00", ts=7), 4)) == [
        "OrderbookDelta"
    ]
    state.handle_frame(delta(4, A, "no", "0.5000", "-5.00", ts=7), 5)
    state.handle_frame(delta(5, B, "yes", "0.1000", "1.00", ts=8), 6)
    assert A in state.books and state.stats.invariant_violations == 0
    # a crossing that outlives its event is a violation: resync that market only
    state.handle_frame(delta(6, A, "no", "0.5000", "1.00", ts=9), 7)
    events = state.handle_frame(delta(7, B, "yes", "0.1000", "1.00", ts=10), 8)
    assert kinds(events) == ["Resync", "OrderbookDelta"]
    assert events[0].tickers == (A,) and events[0].reason == "invariant"
    assert A not in state.books and B in state.books


def test_negative_size_resyncs_that_market() -> None:
    state = synced_state()
    events = state.handle_frame(delta(3, B, "yes", "0.1000", "-2.00"), 4)
    assert kinds(events) == ["Resync", "OrderbookDelta"] and events[0].tickers == (B,)
    assert commands(state)[0]["params"]["market_tickers"] == [B]


def test_a_lost_subscribed_reply_is_recovered_from_the_data() -> None:
    state = connected(FeedState([A]), subscribed=False)
    events = state.handle_frame(snap(1, A, [["0.3000", "1.00"]], [], sid=4), 2)
    assert isinstance(events[0], OrderbookSnapshot) and state.synced
    assert isinstance(
        state.handle_frame(delta(2, A, "yes", "0.3000", "1.00", sid=4), 3)[0], OrderbookDelta
    )


def test_an_ack_beyond_our_seq_reveals_lost_frames() -> None:
    state = synced_state()
    ok = {"id": 99, "type": "ok", "sid": 1, "seq": 2, "msg": {"market_tickers": [A, B]}}
    assert state.handle_frame(json.dumps(ok).encode(), 4) == []
    ok["seq"] = 4
    assert kinds(state.handle_frame(json.dumps(ok).encode(), 5)) == ["Gap", "Resync"]


def test_overdue_snapshots_are_asked_for_again() -> None:
    clock = ManualClock()
    state = FeedState([A], clock=clock, resync_timeout=2.0)
    connected(state)
    clock.advance(1.0)
    state.on_tick()
    assert commands(state) == []
    clock.advance(1.5)
    state.on_tick()
    (cmd,) = commands(state)
    assert cmd["params"]["action"] == "get_snapshot" and cmd["params"]["market_tickers"] == [A]


def test_adding_and_removing_markets() -> None:
    state = synced_state()
    state.add_markets(["MKT-C"])
    (add,) = commands(state)
    assert add["params"] == {"sids": [1], "market_tickers": ["MKT-C"], "action": "add_markets"}
    assert not state.synced
    state.remove_markets(["MKT-C", B])
    (remove,) = commands(state)
    assert remove["params"]["action"] == "delete_markets"
    assert remove["params"]["market_tickers"] == [B, "MKT-C"]
    assert state.synced and set(state.books) == {A}


def test_an_unknown_market_is_dropped_and_the_rest_subscribed_again() -> None:
    state = FeedState([A, "NOPE"])
    state.on_connected(Connected("ws://x", False, 1, 0))
    (sub,) = commands(state)
    error = {
        "id": sub["id"],
        "type": "error",
        "msg": {"code": 16, "msg": "Market not found", "market_ticker": "NOPE"},
    }
    events = state.handle_frame(json.dumps(error).encode(), 1)
    assert kinds(events) == ["ChannelError"]
    (again,) = commands(state)
    assert again["cmd"] == "subscribe" and again["params"]["market_tickers"] == [A]
    assert state.tickers == {A}


def test_a_replayed_delta_is_ignored_and_is_no_gap() -> None:
    state = synced_state()
    state.handle_frame(delta(3, A, "yes", "0.4100", "2.00"), 4)
    assert state.handle_frame(delta(3, A, "yes", "0.4100", "2.00"), 5) == []  # replay
    assert state.books[A].yes[Price("0.41")] == 2  # applied once
    events = state.handle_frame(delta(4, A, "yes", "0.4100", "1.00"), 6)
    assert kinds(events) == ["OrderbookDelta"], "the count did not move back"
    assert state.stats.gaps == 0


def _two_subscribes() -> tuple[Any, dict[str, Any], dict[str, Any]]:
    from kalshi_tape.client.stream.subscriptions import ORDERBOOK, SubscriptionManager

    subs = SubscriptionManager()
    (first,) = [json.loads(c) for c in subs.add(ORDERBOOK, [A])]
    subs.add(ORDERBOOK, [B])  # deferred while the first is in flight
    subs.channels[ORDERBOOK].subscribing = False  # what the feed does when a reply is overdue
    (second,) = [json.loads(c) for c in subs.resubscribe(ORDERBOOK)]
    assert first["cmd"] == second["cmd"] == "subscribe"
    assert second["params"]["market_tickers"] == [A, B]
    return subs, first, second


def test_replies_in_order_keep_the_newest_subscription() -> None:
    from kalshi_tape.client.stream.subscriptions import ORDERBOOK

    subs, first, second = _two_subscribes()
    (cmd,) = [json.loads(c) for c in subs.on_subscribed(first["id"], ORDERBOOK, 1)]
    assert cmd["cmd"] == "unsubscribe" and cmd["params"] == {"sids": [1]}, "already replaced"
    assert subs.on_subscribed(second["id"], ORDERBOOK, 2) == []  # covers A and B: no add
    assert subs.sid_of(ORDERBOOK) == 2 and 1 in subs.retired


def test_replies_out_of_order_keep_the_newest_subscription() -> None:
    from kalshi_tape.client.stream.subscriptions import ORDERBOOK

    subs, first, second = _two_subscribes()
    subs.on_subscribed(second["id"], ORDERBOOK, 2)  # the newer reply comes first
    (cmd,) = [json.loads(c) for c in subs.on_subscribed(first["id"], ORDERBOOK, 1)]
    assert cmd["cmd"] == "unsubscribe" and cmd["params"] == {"sids": [1]}
    assert subs.sid_of(ORDERBOOK) == 2, "the subscription covering A and B stays"


def test_a_replayed_snapshot_does_not_rewind_the_book() -> None:
    state = synced_state()
    state.handle_frame(delta(3, A, "yes", "0.4100", "2.00"), 4)
    assert state.handle_frame(snap(1, A, [["0.4000", "10.00"]], [["0.5000", "5.00"]]), 5) == []
    assert state.books[A].yes[Price("0.41")] == 2
    assert state.stats.gaps == 0


def test_a_locked_book_counts_as_crossed() -> None:
    from kalshi_tape.client.stream import OrderBook

    book = OrderBook.from_levels(A, [(Price("0.40"), Count("1"))], [(Price("0.60"), Count("1"))])
    assert book.crossed, "yes bid 0.40 + no bid 0.60 = 1: the bids would have matched"
    fine = OrderBook.from_levels(A, [(Price("0.40"), Count("1"))], [(Price("0.59"), Count("1"))])
    assert not fine.crossed
