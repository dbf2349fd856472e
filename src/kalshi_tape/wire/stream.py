"""WebSocket structs: server frames (tagged by `type`) with their messages, and commands."""

from __future__ import annotations

from decimal import Decimal

from kalshi_tape.wire.common import CentsOrDollars, CountOrFp, Wire
from kalshi_tape.wire.markets import WPriceRange

LevelPair = tuple[CentsOrDollars, CountOrFp]


class WSubscribedMsg(Wire):
    channel: str
    sid: int


class WOkMsg(Wire):
    market_tickers: list[str] | None = None


class WErrorMsg(Wire):
    code: int
    msg: str = ""
    market_ticker: str | None = None
    market_id: str | None = None


class WSnapshotMsg(Wire):
    market_ticker: str
    market_id: str | None = None
    yes: list[LevelPair] | None = None
    no: list[LevelPair] | None = None
    yes_dollars: list[LevelPair] | None = None
    no_dollars: list[LevelPair] | None = None
    yes_dollars_fp: list[LevelPair] | None = None
    no_dollars_fp: list[LevelPair] | None = None


class WDeltaMsg(Wire, gc=False):  # scalars only: never in a cycle
    market_ticker: str
    side: str
    market_id: str | None = None
    price: int | None = None
    delta: int | None = None
    price_dollars: str | None = None
    delta_fp: str | None = None
    client_order_id: str | None = None
    subaccount: int | None = None
    ts: str | None = None
    ts_ms: int | None = None


class WTickerMsg(Wire):
    market_ticker: str
    market_id: str | None = None
    price: int | None = None
    yes_bid: int | None = None
    yes_ask: int | None = None
    volume: int | None = None
    open_interest: int | None = None
    price_dollars: str | None = None
    yes_bid_dollars: str | None = None
    yes_ask_dollars: str | None = None
    volume_fp: str | None = None
    open_interest_fp: str | None = None
    dollar_volume: int | None = None
    dollar_open_interest: int | None = None
    yes_bid_size_fp: str | None = None
    yes_ask_size_fp: str | None = None
    last_trade_size_fp: str | None = None
    ts: int | None = None
    ts_ms: int | None = None
    time: str | None = None


class WTradeMsg(Wire):
    trade_id: str
    market_ticker: str
    yes_price: int | None = None
    no_price: int | None = None
    count: int | None = None
    yes_price_dollars: str | None = None
    no_price_dollars: str | None = None
    count_fp: str | None = None
    taker_side: str | None = None
    taker_outcome_side: str | None = None
    taker_book_side: str | None = None
    is_block_trade: bool | None = None
    ts: int | None = None
    ts_ms: int | None = None


class WLifecycleMsg(Wire):
    market_ticker: str
    event_type: str
    exchange_index: int | None = None
    open_ts: int | None = None
    close_ts: int | None = None
    result: str | None = None
    determination_ts: int | None = None
    settlement_value: str | None = None
    settled_ts: int | None = None
    is_deactivated: bool | None = None
    price_level_structure: str | None = None
    price_ranges: list[WPriceRange] | None = None
    strike_type: str | None = None
    floor_strike: Decimal | None = None
    cap_strike: Decimal | None = None
    yes_sub_title: str | None = None
    additional_metadata: dict[str, object] | None = None


class WEventLifecycleMsg(Wire):
    event_ticker: str
    exchange_index: int | None = None
    title: str | None = None
    subtitle: str | None = None
    collateral_return_type: str | None = None
    series_ticker: str | None = None
    strike_date: int | None = None
    strike_period: str | None = None


class WFrame(Wire, tag_field="type"):
    """Base of server frames; `type` selects the subclass."""


class WSubscribed(WFrame, tag="subscribed"):
    msg: WSubscribedMsg
    id: int | None = None


class WOk(WFrame, tag="ok"):
    id: int | None = None
    sid: int | None = None
    seq: int | None = None
    msg: list[WSubscribedMsg] | WOkMsg | None = None


class WUnsubscribed(WFrame, tag="unsubscribed"):
    sid: int
    id: int | None = None
    seq: int | None = None


class WError(WFrame, tag="error"):
    msg: WErrorMsg
    id: int | None = None


class WOrderbookSnapshot(WFrame, tag="orderbook_snapshot"):
    sid: int
    seq: int
    msg: WSnapshotMsg


class WOrderbookDelta(WFrame, tag="orderbook_delta", gc=False):
    sid: int
    seq: int
    msg: WDeltaMsg


class WTicker(WFrame, tag="ticker"):
    sid: int
    msg: WTickerMsg


class WTradeFrame(WFrame, tag="trade"):
    sid: int
    msg: WTradeMsg


class WMarketLifecycle(WFrame, tag="market_lifecycle_v2"):
    sid: int
    msg: WLifecycleMsg


class WEventLifecycle(WFrame, tag="event_lifecycle"):
    sid: int
    msg: WEventLifecycleMsg


WServerFrame = (
    WSubscribed
    | WOk
    | WUnsubscribed
    | WError
    | WOrderbookSnapshot
    | WOrderbookDelta
    | WTicker
    | WTradeFrame
    | WMarketLifecycle
    | WEventLifecycle
)
KNOWN_FRAME_TYPES = frozenset(
    frame.__struct_config__.tag
    for frame in (
        WSubscribed,
        WOk,
        WUnsubscribed,
        WError,
        WOrderbookSnapshot,
        WOrderbookDelta,
        WTicker,
        WTradeFrame,
        WMarketLifecycle,
        WEventLifecycle,
    )
)


class WCommandParams(Wire):
    channels: list[str] | None = None
    market_ticker: str | None = None
    market_tickers: list[str] | None = None
    sids: list[int] | None = None
    sid: int | None = None
    action: str | None = None
    send_initial_snapshot: bool | None = None
    skip_ticker_ack: bool | None = None


class WCommand(Wire):
    """A client command: subscribe, unsubscribe, update_subscription, list_subscriptions."""

    id: int
    cmd: str
    params: WCommandParams | None = None
