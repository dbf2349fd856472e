"""Structs mirroring Kalshi's JSON exactly, in all three wire eras.

Era A sends integer cents and counts (`yes_bid`, `volume`, `[[42, 13]]`), era B adds
`*_dollars` and `*_fp` strings beside them, era C sends only the strings. Every era
field is therefore optional here; `kalshi_tape.parse` decides which one to believe.
Historical candles reuse unsuffixed names for dollar strings, hence `int | str`.

The client decodes with these structs and the simulator encodes with them
(`omit_defaults=True`: a None field is left out, as Kalshi leaves out null keys).
Unknown keys are ignored, so new exchange fields never break decoding.
Nothing outside `parse.py` and the simulator's encoder should import this module.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import msgspec

CentsOrDollars = int | str  # era A/B integer cents, or a dollar string (historical shape)
CountOrFp = int | str  # era A/B integer count, or an fp string (historical shape)
Timestamp = Annotated[datetime, msgspec.Meta(tz=True)]  # RFC3339 with a zone; naive is an error


class Wire(msgspec.Struct, omit_defaults=True):
    """Base of all wire structs."""


# --------------------------------------------------------------------------- reference data


class WPriceRange(Wire):
    start: str
    end: str
    step: str


class WSettlementSource(Wire):
    name: str | None = None
    url: str | None = None


class WSeries(Wire):
    ticker: str
    title: str = ""
    category: str = ""
    frequency: str = ""
    categories: list[str] | None = None
    tags: list[str] | None = None
    settlement_sources: list[WSettlementSource] | None = None
    contract_url: str | None = None
    contract_terms_url: str | None = None
    fee_type: str | None = None
    fee_multiplier: Decimal | None = None
    additional_prohibitions: list[str] | None = None
    product_metadata: dict[str, object] | None = None
    volume_fp: str | None = None
    last_updated_ts: Timestamp | None = None
    exchange_index: int | None = None


class WMarket(Wire):
    ticker: str
    event_ticker: str
    market_type: str = "binary"
    title: str | None = None
    subtitle: str | None = None
    yes_sub_title: str | None = None
    no_sub_title: str | None = None
    created_time: Timestamp | None = None
    updated_time: Timestamp | None = None
    open_time: Timestamp | None = None
    close_time: Timestamp | None = None
    expected_expiration_time: Timestamp | None = None
    expiration_time: Timestamp | None = None
    latest_expiration_time: Timestamp | None = None
    occurrence_datetime: Timestamp | None = None
    settlement_timer_seconds: int | None = None
    status: str = ""
    response_price_units: str | None = None
    # era C prices and counts
    yes_bid_dollars: str | None = None
    yes_bid_size_fp: str | None = None
    yes_ask_dollars: str | None = None
    yes_ask_size_fp: str | None = None
    no_bid_dollars: str | None = None
    no_ask_dollars: str | None = None
    last_price_dollars: str | None = None
    volume_fp: str | None = None
    volume_24h_fp: str | None = None
    open_interest_fp: str | None = None
    notional_value_dollars: str | None = None
    previous_yes_bid_dollars: str | None = None
    previous_yes_ask_dollars: str | None = None
    previous_price_dollars: str | None = None
    liquidity_dollars: str | None = None
    settlement_value_dollars: str | None = None
    settlement_floor_dollars: str | None = None
    # era A/B integer twins
    yes_bid: int | None = None
    yes_ask: int | None = None
    no_bid: int | None = None
    no_ask: int | None = None
    last_price: int | None = None
    volume: int | None = None
    volume_24h: int | None = None
    open_interest: int | None = None
    notional_value: int | None = None
    previous_yes_bid: int | None = None
    previous_yes_ask: int | None = None
    previous_price: int | None = None
    liquidity: int | None = None
    settlement_value: int | None = None
    tick_size: int | None = None
    category: str | None = None
    risk_limit_cents: int | None = None
    # outcome and settlement
    result: str | None = None
    can_close_early: bool | None = None
    expiration_value: str | None = None
    settlement_ts: Timestamp | None = None
    settlement_bounds_type: str | None = None
    fee_waiver_expiration_time: Timestamp | None = None
    early_close_condition: str | None = None
    # strikes and rules
    strike_type: str | None = None
    floor_strike: Decimal | None = None
    cap_strike: Decimal | None = None
    functional_strike: str | None = None
    custom_strike: dict[str, object] | None = None
    rules_primary: str | None = None
    rules_secondary: str | None = None
    price_level_structure: str | None = None
    price_ranges: list[WPriceRange] | None = None
    fractional_trading_enabled: bool | None = None
    is_provisional: bool | None = None
    exchange_index: int | None = None
    mve_collection_ticker: str | None = None


class WEvent(Wire):
    event_ticker: str
    series_ticker: str
    title: str = ""
    sub_title: str = ""
    collateral_return_type: str = ""
    mutually_exclusive: bool = False
    category: str | None = None
    strike_date: Timestamp | None = None
    strike_period: str | None = None
    settlement_sources: list[WSettlementSource] | None = None
    fee_type_override: str | None = None
    fee_multiplier_override: Decimal | None = None
    last_updated_ts: Timestamp | None = None
    exchange_index: int | None = None
    markets: list[msgspec.Raw] | None = None


class WTrade(Wire):
    trade_id: str
    ticker: str
    created_time: Timestamp
    count_fp: str | None = None
    yes_price_dollars: str | None = None
    no_price_dollars: str | None = None
    count: int | None = None
    yes_price: int | None = None
    no_price: int | None = None
    price: Decimal | None = None
    taker_side: str | None = None
    taker_outcome_side: str | None = None
    taker_book_side: str | None = None
    is_block_trade: bool | None = None


# --------------------------------------------------------------------------- candlesticks


class WQuoteDist(Wire):
    """yes_bid / yes_ask OHLC: `*_dollars` (live), unsuffixed cents (era A/B) or strings
    (historical)."""

    open_dollars: str | None = None
    high_dollars: str | None = None
    low_dollars: str | None = None
    close_dollars: str | None = None
    open: CentsOrDollars | None = None
    high: CentsOrDollars | None = None
    low: CentsOrDollars | None = None
    close: CentsOrDollars | None = None


class WPriceDist(Wire):
    open_dollars: str | None = None
    high_dollars: str | None = None
    low_dollars: str | None = None
    close_dollars: str | None = None
    mean_dollars: str | None = None
    previous_dollars: str | None = None
    min_dollars: str | None = None
    max_dollars: str | None = None
    open: CentsOrDollars | None = None
    high: CentsOrDollars | None = None
    low: CentsOrDollars | None = None
    close: CentsOrDollars | None = None
    mean: CentsOrDollars | None = None
    previous: CentsOrDollars | None = None
    min: CentsOrDollars | None = None
    max: CentsOrDollars | None = None


class WCandlestick(Wire):
    end_period_ts: int
    yes_bid: WQuoteDist | None = None
    yes_ask: WQuoteDist | None = None
    price: WPriceDist | None = None
    volume_fp: str | None = None
    open_interest_fp: str | None = None
    volume: CountOrFp | None = None
    open_interest: CountOrFp | None = None


class WMarketCandlesticksResponse(Wire):
    ticker: str
    candlesticks: list[WCandlestick]


class WBatchMarketCandlesticks(Wire):
    market_ticker: str
    candlesticks: list[WCandlestick]


class WBatchCandlesticksResponse(Wire):
    markets: list[WBatchMarketCandlesticks]


class WEventCandlesticksResponse(Wire):
    market_tickers: list[str]
    market_candlesticks: list[list[WCandlestick]]
    adjusted_end_ts: int | None = None


# --------------------------------------------------------------------------- order books

CentsLevel = tuple[int, int]
DollarLevel = tuple[str, CountOrFp]


class WOrderbookLegacy(Wire):
    """`orderbook`: era A cents (sides may be null), era B adds `*_dollars` with int counts."""

    yes: list[CentsLevel] | None = None
    no: list[CentsLevel] | None = None
    yes_dollars: list[DollarLevel] | None = None
    no_dollars: list[DollarLevel] | None = None


class WOrderbookFp(Wire):
    yes_dollars: list[DollarLevel] | None = None
    no_dollars: list[DollarLevel] | None = None


class WOrderbookResponse(Wire):
    orderbook: WOrderbookLegacy | None = None
    orderbook_fp: WOrderbookFp | None = None


class WMarketOrderbook(Wire):
    ticker: str
    orderbook_fp: WOrderbookFp | None = None
    orderbook: WOrderbookLegacy | None = None


class WOrderbooksResponse(Wire):
    orderbooks: list[WMarketOrderbook]


# --------------------------------------------------------------------------- envelopes


class WMarketsResponse(Wire):
    markets: list[msgspec.Raw]
    cursor: str | None = None


class WMarketResponse(Wire):
    market: msgspec.Raw


class WEventsResponse(Wire):
    events: list[msgspec.Raw]
    cursor: str | None = None


class WEventResponse(Wire):
    event: msgspec.Raw
    markets: list[msgspec.Raw] | None = None


class WSeriesListResponse(Wire):
    series: list[msgspec.Raw] | None = None


class WSeriesResponse(Wire):
    series: msgspec.Raw


class WTradesResponse(Wire):
    trades: list[WTrade]
    cursor: str | None = None


class WHistoricalCutoff(Wire):
    market_settled_ts: Timestamp
    trades_created_ts: Timestamp
    orders_updated_ts: Timestamp | None = None
    market_positions_last_updated_ts: Timestamp | None = None


class WExchangeIndexStatus(Wire):
    exchange_index: int
    description: str = ""
    exchange_active: bool = True
    trading_active: bool = True
    intra_exchange_transfers_active: bool = True


class WExchangeStatus(Wire):
    exchange_active: bool
    trading_active: bool
    exchange_estimated_resume_time: Timestamp | None = None
    intra_exchange_transfers_active: bool | None = None
    exchange_index_statuses: list[WExchangeIndexStatus] | None = None


class WDailySchedule(Wire):
    open_time: str
    close_time: str


class WWeeklySchedule(Wire):
    start_time: Timestamp
    end_time: Timestamp
    monday: list[WDailySchedule] = []
    tuesday: list[WDailySchedule] = []
    wednesday: list[WDailySchedule] = []
    thursday: list[WDailySchedule] = []
    friday: list[WDailySchedule] = []
    saturday: list[WDailySchedule] = []
    sunday: list[WDailySchedule] = []


class WMaintenanceWindow(Wire):
    start_datetime: Timestamp
    end_datetime: Timestamp


class WSchedule(Wire):
    standard_hours: list[WWeeklySchedule] = []
    maintenance_windows: list[WMaintenanceWindow] = []


class WScheduleResponse(Wire):
    schedule: WSchedule


class WErrorDetail(Wire):
    code: str | None = None
    message: str | None = None
    details: str | None = None
    service: str | None = None


class WErrorResponse(Wire):
    """Kalshi error bodies: `{"error": {...}}`, `{"error": "too many requests"}` or flat."""

    error: WErrorDetail | str | None = None
    code: str | None = None
    message: str | None = None
    details: str | None = None


# --------------------------------------------------------------------------- WebSocket

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


class WDeltaMsg(Wire):
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


class WOrderbookDelta(WFrame, tag="orderbook_delta"):
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
