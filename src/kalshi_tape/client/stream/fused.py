"""The fused frame -> book path of `FeedState`: an `orderbook_delta` frame is decoded
(msgspec, one struct for the frame), turned into its `OrderbookDelta` (the tape records
it) and applied to its book in one step, without the generic message dispatch.

Only the common case is handled here: our subscription, the next `seq`, a live book and
no crossing pending. Anything else (a gap, a replay, a book awaiting its snapshot, a
negative size, a book left crossed) goes to the existing path, `FeedState._on_delta`,
before any state is touched, so both paths yield the same events and books
(tests/client/test_fused_books.py checks that on random frame sequences, all eras).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kalshi_tape.client.stream.events import FeedEvent
from kalshi_tape.client.stream.orderbook import BookInvariantError, OrderBook
from kalshi_tape.client.stream.subscriptions import Channel
from kalshi_tape.core.domain import OrderbookDelta, StreamMessage
from kalshi_tape.core.errors import ParseError
from kalshi_tape.core.money import Count, MoneyError
from kalshi_tape.parse.common import COUNT_CACHE as _COUNTS
from kalshi_tape.parse.common import PRICE_CACHE as _PRICES
from kalshi_tape.parse.common import count_from_text
from kalshi_tape.parse.stream import SIDES, decode_frame, frame_decoder, frame_message
from kalshi_tape.wire import WFrame, WOrderbookDelta

_decode = frame_decoder.decode


def _fresh_count(text: str) -> Count | None:
    """The count of an fp string (cached when there is room); None when it is not exact
    (the parser then names the error)."""
    try:
        return count_from_text(text)
    except MoneyError:
        return None


if TYPE_CHECKING:
    from kalshi_tape.client.stream.feed_state import FeedStats


class FusedFrames:
    """Mixed into `FeedState`, which owns the attributes declared here."""

    stats: FeedStats
    books: dict[str, OrderBook]
    _crossed: dict[str, int | None]
    _book_channel: Channel
    _seq_table: dict[int, int]

    # FeedState's own (declared for the type checker)
    def _on_delta(self, msg: OrderbookDelta) -> list[FeedEvent]:
        raise NotImplementedError

    def _judge_crossed(self, ticker: str | None, ts_ms: int | None, now: int) -> list[FeedEvent]:
        raise NotImplementedError

    def handle_message(self, msg: StreamMessage | None) -> list[FeedEvent]:
        raise NotImplementedError

    def _malformed(self, data: bytes, received_ns: int, exc: ParseError) -> list[FeedEvent]:
        raise NotImplementedError

    def handle_frame(self, data: bytes, received_ns: int) -> list[FeedEvent]:
        """One frame: its events (recorded as they are) and command frames (`outbox`)."""
        self.stats.frames += 1
        try:
            frame = _decode(data)
        except Exception:  # the parser names what is wrong (it decodes again)
            return self._parse_and_handle(data, received_ns)
        if type(frame) is not WOrderbookDelta:
            return self._parse_and_handle(data, received_ns, frame)
        m = frame.msg
        price, delta = _PRICES.get(m.price_dollars), _COUNTS.get(m.delta_fp)  # type: ignore[arg-type]
        if delta is None and m.delta_fp is not None:  # a size not seen yet (or not held)
            delta = _fresh_count(m.delta_fp)
        side, ts_ms = SIDES.get(m.side), m.ts_ms
        if price is None or delta is None or side is None or ts_ms is None:
            return self._parse_and_handle(data, received_ns, frame)  # misses, other eras
        msg = OrderbookDelta(  # positional, as `parse.stream._delta` builds it
            frame.sid,
            frame.seq,
            m.market_ticker,
            price,
            delta,
            side,
            ts_ms,
            m.market_id,
            m.client_order_id,
            received_ns,
        )
        return self._fused_delta(msg)

    def _parse_and_handle(
        self, data: bytes, received_ns: int, frame: WFrame | None = None
    ) -> list[FeedEvent]:
        """The general case: the parser's message (or its ParseError), then its events."""
        try:
            msg = decode_frame(data) if frame is None else frame
            message = frame_message(msg, received_ns)
        except ParseError as exc:
            return self._malformed(data, received_ns, exc)
        if type(message) is OrderbookDelta:
            return self._fused_delta(message)
        return self.handle_message(message)

    def _fused_delta(self, msg: OrderbookDelta) -> list[FeedEvent]:
        """Apply the next delta of a live book; any other case to `_on_delta`."""
        sid = msg.sid
        book = self.books.get(msg.market_ticker)
        if (
            book is None
            or self._crossed
            or sid != self._book_channel.sid
            or self._seq_table.get(sid, -2) != msg.seq - 1
        ):
            return self._on_delta(msg)
        try:
            new_best = book.apply_delta(msg.side, msg.price, msg.delta)
        except BookInvariantError:  # nothing changed yet: the existing path reports it
            return self._on_delta(msg)
        self._seq_table[sid] = msg.seq
        self.stats.deltas += 1
        if new_best and book.crossed:
            self._crossed[msg.market_ticker] = msg.exchange_ts_ms
            if msg.exchange_ts_ms is None:
                return [msg, *self._judge_crossed(None, None, msg.received_ns)]
        return [msg]
