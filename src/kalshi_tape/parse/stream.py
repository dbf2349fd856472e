"""WebSocket parsers: one server frame to a stream message (snapshots, deltas, ticker,
trade, lifecycle, command replies); unknown frame types are skipped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from kalshi_tape import wire as w
from kalshi_tape.core.domain import (
    EventLifecycle,
    MarketLifecycle,
    Ok,
    OrderbookDelta,
    OrderbookSnapshot,
    Side,
    StreamErrorMessage,
    StreamMessage,
    Subscribed,
    SubscriptionInfo,
    TickerUpdate,
    TradeUpdate,
    Unsubscribed,
)
from kalshi_tape.core.errors import ParseError
from kalshi_tape.core.money import Count, MoneyError, Price
from kalshi_tape.parse.books import _levels
from kalshi_tape.parse.common import (
    COUNT_CACHE,
    PRICE_CACHE,
    Json,
    _blank_to_none,
    _count_from_int,
    _ms_from_rfc3339,
    _price_from_cents,
    _price_from_text,
    _ranges,
    _required,
    count_field,
    count_from_text,
    price_field,
)
from kalshi_tape.parse.trades import _taker_side

frame_decoder = msgspec.json.Decoder(w.WServerFrame)
_type_only = msgspec.json.Decoder(dict[str, object])


def parse_stream_message(data: Json, received_ns: int = 0) -> StreamMessage | None:
    """One WebSocket text frame -> a stream message; None for frame types we do not model
    (for example `event_fee_update`). Malformed frames raise ParseError."""
    return frame_message(decode_frame(data), received_ns)


def decode_frame(data: Json) -> w.WFrame | None:
    """The wire struct of one frame (`msgspec`, one decode); None for an unknown type."""
    try:
        return frame_decoder.decode(data)
    except msgspec.ValidationError as exc:
        if _unknown_type(data):
            return None
        message = str(exc)
        path = message.rsplit(" - at `", 1)[-1].rstrip("`") if " - at `" in message else "$"
        raise ParseError(f"frame{path.removeprefix('$')}", message.split(" - at ")[0]) from None
    except msgspec.DecodeError as exc:
        raise ParseError("frame", f"invalid JSON: {exc}") from None
    except RecursionError:
        raise ParseError("frame", "JSON nested too deeply") from None
    except UnicodeDecodeError:
        raise ParseError("frame", "invalid UTF-8 in a string") from None
    except TypeError:
        raise ParseError("frame", "expected JSON as bytes or str", type(data).__name__) from None


def frame_message(frame: w.WFrame | None, received_ns: int) -> StreamMessage | None:
    """A decoded frame -> its stream message (None stays None)."""
    if frame is None:
        return None
    if type(frame) is w.WOrderbookDelta:
        return delta_message(frame, received_ns)
    try:
        return _FRAME_PARSERS[type(frame)](frame, received_ns)
    except ParseError:
        raise
    except MoneyError as exc:
        raise ParseError("frame.msg", exc.reason, exc.value) from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise ParseError("frame.msg", f"{type(exc).__name__}: {exc}") from None


def delta_message(frame: w.WOrderbookDelta, received_ns: int) -> OrderbookDelta:
    """A decoded `orderbook_delta` frame -> `OrderbookDelta` (the feed's hot path)."""
    try:
        return _delta(frame, received_ns)
    except ParseError:
        raise
    except MoneyError as exc:
        raise ParseError("frame.msg", exc.reason, exc.value) from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise ParseError("frame.msg", f"{type(exc).__name__}: {exc}") from None


def _unknown_type(data: Json) -> bool:
    try:
        kind = _type_only.decode(data).get("type")
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        return False
    return isinstance(kind, str) and kind not in w.KNOWN_FRAME_TYPES


def _subscribed(f: w.WSubscribed, received_ns: int) -> Subscribed:
    return Subscribed(id=f.id, channel=f.msg.channel, sid=f.msg.sid, received_ns=received_ns)


def _ok(f: w.WOk, received_ns: int) -> Ok:
    if isinstance(f.msg, list):
        subs = tuple(SubscriptionInfo(s.channel, s.sid) for s in f.msg)
        return Ok(id=f.id, sid=f.sid, seq=f.seq, subscriptions=subs, received_ns=received_ns)
    tickers = tuple(f.msg.market_tickers or ()) if f.msg is not None else ()
    return Ok(id=f.id, sid=f.sid, seq=f.seq, market_tickers=tickers, received_ns=received_ns)


def _unsubscribed(f: w.WUnsubscribed, received_ns: int) -> Unsubscribed:
    return Unsubscribed(id=f.id, sid=f.sid, seq=f.seq, received_ns=received_ns)


def _error(f: w.WError, received_ns: int) -> StreamErrorMessage:
    m = f.msg
    return StreamErrorMessage(
        id=f.id, code=m.code, msg=m.msg, market_ticker=m.market_ticker, received_ns=received_ns
    )


def _snapshot(f: w.WOrderbookSnapshot, received_ns: int) -> OrderbookSnapshot:
    m = f.msg
    if m.yes_dollars_fp is not None or m.no_dollars_fp is not None:
        yes, no = m.yes_dollars_fp or [], m.no_dollars_fp or []
    elif m.yes_dollars is not None or m.no_dollars is not None:
        yes, no = m.yes_dollars or [], m.no_dollars or []
    else:
        yes, no = m.yes or [], m.no or []
    return OrderbookSnapshot(
        sid=f.sid,
        seq=f.seq,
        market_ticker=m.market_ticker,
        yes=_levels("msg.yes", yes),
        no=_levels("msg.no", no),
        market_id=m.market_id,
        received_ns=received_ns,
    )


SIDES: dict[str, Side] = {"yes": "yes", "no": "no"}


def _delta(f: w.WOrderbookDelta, received_ns: int) -> OrderbookDelta:
    """The hot path (hundreds of thousands of frames a second): cache hits inline."""
    m = f.msg
    price = PRICE_CACHE.get(m.price_dollars) if m.price_dollars is not None else None
    if price is None:
        price = _delta_price(m)
    delta = COUNT_CACHE.get(m.delta_fp) if m.delta_fp is not None else None
    if delta is None:
        delta = _delta_count(m)
    side = SIDES.get(m.side)
    if side is None:
        raise ParseError("msg.side", "expected 'yes' or 'no'", m.side)
    ts_ms = m.ts_ms
    return OrderbookDelta(  # positional (faster): sid, seq, ticker, price, delta, side, ...
        f.sid,
        f.seq,
        m.market_ticker,
        price,
        delta,
        side,
        ts_ms if ts_ms is not None else _ms_from_rfc3339("msg.ts", m.ts),
        m.market_id,
        m.client_order_id,
        received_ns,
    )


def _delta_price(m: w.WDeltaMsg) -> Price:
    try:
        if m.price_dollars is not None:
            return _price_from_text(m.price_dollars)
        return _cents("msg.price", m.price)
    except MoneyError as exc:
        raise ParseError("msg.price", exc.reason, exc.value) from None


def _delta_count(m: w.WDeltaMsg) -> Count:
    try:
        if m.delta_fp is not None:
            return _signed_count(m.delta_fp)
        return _int_count("msg.delta", m.delta)
    except MoneyError as exc:
        raise ParseError("msg.delta", exc.reason, exc.value) from None


def _cents(path: str, cents: int | None) -> Price:
    return _price_from_cents(_required(path, cents))


def _int_count(path: str, value: int | None) -> Count:
    return _count_from_int(_required(path, value))


def _signed_count(text: str) -> Count:
    """Deltas are signed; Count itself allows negatives only here (the change in size)."""
    return count_from_text(text)


def _seconds_to_ms(seconds: int | None) -> int | None:
    return seconds * 1000 if seconds is not None else None


def _ticker(f: w.WTicker, received_ns: int) -> TickerUpdate:
    m = f.msg
    return TickerUpdate(
        sid=f.sid,
        market_ticker=m.market_ticker,
        price=price_field("msg.price", m.price_dollars, m.price),
        yes_bid=price_field("msg.yes_bid", m.yes_bid_dollars, m.yes_bid),
        yes_ask=price_field("msg.yes_ask", m.yes_ask_dollars, m.yes_ask),
        volume=count_field("msg.volume", m.volume_fp, m.volume),
        open_interest=count_field("msg.open_interest", m.open_interest_fp, m.open_interest),
        yes_bid_size=count_field("msg.yes_bid_size_fp", m.yes_bid_size_fp, None),
        yes_ask_size=count_field("msg.yes_ask_size_fp", m.yes_ask_size_fp, None),
        last_trade_size=count_field("msg.last_trade_size_fp", m.last_trade_size_fp, None),
        exchange_ts_ms=m.ts_ms if m.ts_ms is not None else _seconds_to_ms(m.ts),
        market_id=m.market_id,
        received_ns=received_ns,
    )


def _trade(f: w.WTradeFrame, received_ns: int) -> TradeUpdate:
    m = f.msg
    yes = _required("msg.yes_price", price_field("msg.yes_price", m.yes_price_dollars, m.yes_price))
    no = price_field("msg.no_price", m.no_price_dollars, m.no_price)
    return TradeUpdate(
        sid=f.sid,
        trade_id=m.trade_id,
        market_ticker=m.market_ticker,
        yes_price=yes,
        no_price=no if no is not None else yes.complement(),
        count=_required("msg.count", count_field("msg.count", m.count_fp, m.count)),
        taker_side=_taker_side("msg", m.taker_outcome_side, m.taker_side, m.taker_book_side),
        exchange_ts_ms=m.ts_ms if m.ts_ms is not None else _seconds_to_ms(m.ts),
        is_block_trade=bool(m.is_block_trade),
        received_ns=received_ns,
    )


def _lifecycle(f: w.WMarketLifecycle, received_ns: int) -> MarketLifecycle:
    m = f.msg
    return MarketLifecycle(
        sid=f.sid,
        market_ticker=m.market_ticker,
        event_type=m.event_type,
        open_ts=m.open_ts,
        close_ts=m.close_ts,
        result=_blank_to_none(m.result),
        determination_ts=m.determination_ts,
        settlement_value=price_field("msg.settlement_value", m.settlement_value, None),
        settled_ts=m.settled_ts,
        is_deactivated=m.is_deactivated,
        price_level_structure=m.price_level_structure,
        price_ranges=_ranges("msg.price_ranges", m.price_ranges),
        received_ns=received_ns,
    )


def _event_lifecycle(f: w.WEventLifecycle, received_ns: int) -> EventLifecycle:
    m = f.msg
    return EventLifecycle(
        sid=f.sid,
        event_ticker=m.event_ticker,
        title=m.title,
        subtitle=m.subtitle,
        collateral_return_type=m.collateral_return_type,
        series_ticker=m.series_ticker,
        received_ns=received_ns,
    )


_FRAME_PARSERS: dict[type[Any], Callable[[Any, int], StreamMessage]] = {
    w.WSubscribed: _subscribed,
    w.WOk: _ok,
    w.WUnsubscribed: _unsubscribed,
    w.WError: _error,
    w.WOrderbookSnapshot: _snapshot,
    w.WOrderbookDelta: _delta,
    w.WTicker: _ticker,
    w.WTradeFrame: _trade,
    w.WMarketLifecycle: _lifecycle,
    w.WEventLifecycle: _event_lifecycle,
}
