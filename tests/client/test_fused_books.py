"""The fused frame -> book path (`FeedState.handle_frame`, client/stream/fused.py) against
the existing one (parse the frame, then `FeedState.handle_message`): for random frame
sequences of all three wire eras, with gaps, replays, negative sizes, crossings,
snapshots, non-canonical strings and malformed frames, both yield the same events (exact
strings) and leave the same books, counters and command frames."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_tape.client.stream import FeedState
from kalshi_tape.client.stream.events import Connected, FeedEvent
from kalshi_tape.core.clock import ManualClock
from kalshi_tape.core.errors import ParseError
from kalshi_tape.parse import parse_stream_message

TICKERS = ("KXHIGHNY-26NOV22-B40.5", "KXHIGHNY-26NOV22-B42.5", "KXHIGHNY-26NOV22-B44.5")
SID = 1


def _reference(state: FeedState, data: bytes, received_ns: int) -> list[FeedEvent]:
    """The path before the fusion: the parser's message, then the generic dispatch."""
    state.stats.frames += 1
    try:
        msg = parse_stream_message(data, received_ns)
    except ParseError as exc:
        return state._malformed(data, received_ns, exc)
    return state.handle_message(msg)


def _ready() -> FeedState:
    state = FeedState(TICKERS, clock=ManualClock(1_700_000_000_000_000_000))
    state.on_connected(Connected("ws://test", False, 1, 0))
    sub_id = json.loads(state.take_outbox()[0])["id"]
    reply = {"id": sub_id, "type": "subscribed", "msg": {"channel": "orderbook_delta", "sid": SID}}
    state.handle_frame(json.dumps(reply).encode(), 0)
    return state


def _price(era: str, cents: int, odd: bool) -> dict[str, Any]:
    dollars = f"{cents / 100:.2f}" if odd else f"{cents / 100:.4f}"  # "0.45": not canonical
    return {"A": {"price": cents}, "B": {"price": cents, "price_dollars": dollars}}.get(
        era, {"price_dollars": dollars}
    )


def _size(era: str, hundredths: int, odd: bool) -> dict[str, Any]:
    contracts = hundredths // 100
    text = f"{contracts}" if odd else f"{hundredths / 100:.2f}"  # "12": not canonical
    if era == "A":
        return {"delta": contracts}
    return {"delta": contracts, "delta_fp": text} if era == "B" else {"delta_fp": text}


def _time(kind: int, seq: int) -> dict[str, Any]:
    ms = 1_795_000_000_000 + seq // 3  # some deltas share an exchange time
    return [{"ts_ms": ms}, {"ts": "2026-11-22T14:00:00.123Z"}, {}][kind]


delta_ops = st.tuples(
    st.just("delta"),
    st.sampled_from(TICKERS),
    st.sampled_from("ABC"),
    st.sampled_from(("yes", "no")),
    st.integers(1, 99),
    st.integers(-30_000, 60_000),
    st.booleans(),  # non-canonical strings
    st.integers(0, 2),  # ts_ms, RFC 3339 ts, none
)
other_ops = st.one_of(
    st.tuples(st.just("snapshot"), st.sampled_from(TICKERS), st.sampled_from("AC")),
    st.tuples(st.sampled_from(("gap", "replay", "garbage", "bad_side", "bad_price"))),
)
ops = st.lists(st.one_of(delta_ops, delta_ops, delta_ops, other_ops), max_size=80)


def _snapshot(ticker: str, era: str, seq: int) -> dict[str, Any]:
    yes = [[30, 500], [40, 1200]]
    no = [[45, 800]]
    if era == "A":
        msg: dict[str, Any] = {"market_ticker": ticker, "yes": yes, "no": no}
    else:
        fp = [[f"{c / 100:.4f}", f"{n / 100:.2f}"] for c, n in yes]
        msg = {"market_ticker": ticker, "yes_dollars_fp": fp, "no_dollars_fp": fp[:1]}
    return {"type": "orderbook_snapshot", "sid": SID, "seq": seq, "msg": msg}


def _delta(op: tuple[Any, ...], seq: int) -> dict[str, Any]:
    _, ticker, era, side, cents, hundredths, odd, ts_kind = op
    msg = {"market_ticker": ticker, "side": side, **_price(era, cents, odd)}
    msg |= _size(era, hundredths, odd) | _time(ts_kind, seq)
    return {"type": "orderbook_delta", "sid": SID, "seq": seq, "msg": msg}


def _frames(script: list[tuple[Any, ...]]) -> list[bytes]:
    seq, frames = 0, []
    for ticker in TICKERS:
        seq += 1
        frames.append(_snapshot(ticker, "C", seq))
    for op in script:
        seq += 1
        kind = op[0]
        if kind == "delta":
            frames.append(_delta(op, seq))
        elif kind == "snapshot":
            frames.append(_snapshot(op[1], op[2], seq))
        elif kind == "gap":
            seq += 1  # the frame with the skipped seq never arrives
        elif kind == "replay":
            frames.append(_delta(("delta", TICKERS[0], "C", "yes", 5, 100, False, 0), seq - 2))
        elif kind == "garbage":
            frames.append(b'{"type":"orderbook_delta","sid":1,"seq":')  # type: ignore[arg-type]
        else:
            bad = _delta(("delta", TICKERS[1], "C", "yes", 5, 100, False, 0), seq)
            bad["msg"] |= {"side": "up"} if kind == "bad_side" else {"price_dollars": "1.5"}
            frames.append(bad)
    return [f if isinstance(f, bytes) else json.dumps(f).encode() for f in frames]


def _books(state: FeedState) -> dict[str, Any]:
    return {ticker: book.to_json() for ticker, book in sorted(state.books.items())}


@settings(max_examples=300, deadline=None)
@given(ops)
def test_fused_path_equals_the_existing_path(script: list[tuple[Any, ...]]) -> None:
    fused, reference = _ready(), _ready()
    for i, data in enumerate(_frames(script)):
        got = fused.handle_frame(data, 1_000 + i)
        want = _reference(reference, data, 1_000 + i)
        assert repr(got) == repr(want), data
        assert fused.books == reference.books and _books(fused) == _books(reference), data
    assert fused.stats == reference.stats
    assert fused.take_outbox() == reference.take_outbox()
    assert fused.awaiting == reference.awaiting and fused.synced == reference.synced
