"""Frozen domain types. Parsers (`kalshi_tape.parse`) are the only producers from wire JSON.

Prices are `Price` (dollars), counts `Count` (contracts). Times from REST bodies are
aware UTC `datetime`s; streaming events carry two clocks: `exchange_ts_ms` (Unix
milliseconds stamped by the exchange, when it sends one) and `received_ns` (Unix
nanoseconds from our injected clock when the frame arrived).

REST objects (series, events, markets) keep the JSON they came from in `raw`; it
never takes part in equality, so one market written in any wire era compares equal.
High-volume types (trades, candles, stream messages) are msgspec structs for speed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Generic, Literal, TypeVar

import msgspec

from kalshi_tape.core.money import Count, Price, PriceRange

Side = Literal["yes", "no"]
Level = tuple[Price, Count]
T = TypeVar("T")


# --------------------------------------------------------------------------- REST objects


@dataclass(frozen=True, slots=True)
class SettlementSource:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Series:
    ticker: str
    title: str
    category: str
    frequency: str
    fee_type: str
    fee_multiplier: Decimal
    tags: tuple[str, ...] = ()
    settlement_sources: tuple[SettlementSource, ...] = ()
    contract_url: str = ""
    last_updated_ts: datetime | None = None
    raw: bytes = field(default=b"", compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Market:
    ticker: str
    event_ticker: str
    market_type: str
    status: str
    title: str
    subtitle: str
    yes_sub_title: str
    no_sub_title: str
    open_time: datetime | None
    close_time: datetime | None
    created_time: datetime | None
    updated_time: datetime | None
    expected_expiration_time: datetime | None
    latest_expiration_time: datetime | None
    settlement_timer_seconds: int | None
    strike_type: str | None
    floor_strike: Decimal | None
    cap_strike: Decimal | None
    yes_bid: Price
    yes_ask: Price
    no_bid: Price
    no_ask: Price
    last_price: Price
    yes_bid_size: Count | None
    yes_ask_size: Count | None
    volume: Count
    volume_24h: Count
    open_interest: Count
    previous_yes_bid: Price | None
    previous_yes_ask: Price | None
    previous_price: Price | None
    notional_value: Decimal | None
    result: str | None
    can_close_early: bool | None
    expiration_value: str | None
    settlement_value: Price | None
    settlement_ts: datetime | None
    rules_primary: str
    rules_secondary: str
    early_close_condition: str | None
    price_level_structure: str | None
    price_ranges: tuple[PriceRange, ...]
    raw: bytes = field(default=b"", compare=False, repr=False)

    @property
    def is_settled(self) -> bool:
        return self.status in ("finalized", "settled") or self.result in ("yes", "no")


@dataclass(frozen=True, slots=True)
class Event:
    event_ticker: str
    series_ticker: str
    title: str
    sub_title: str
    collateral_return_type: str
    mutually_exclusive: bool
    strike_date: datetime | None = None
    strike_period: str | None = None
    fee_type_override: str | None = None
    fee_multiplier_override: Decimal | None = None
    markets: tuple[Market, ...] = ()
    raw: bytes = field(default=b"", compare=False, repr=False)


class Trade(msgspec.Struct, frozen=True, gc=False):
    trade_id: str
    ticker: str
    yes_price: Price
    no_price: Price
    count: Count
    taker_side: Side | None
    created_time: datetime
    is_block_trade: bool = False


class QuoteOHLC(msgspec.Struct, frozen=True, gc=False):
    """Open/high/low/close of a quote (yes_bid or yes_ask) over a candle period."""

    open: Price
    high: Price
    low: Price
    close: Price


class TradeOHLC(msgspec.Struct, frozen=True, gc=False):
    """Traded YES price over a period; all None when nothing traded (previous may remain)."""

    open: Price | None = None
    high: Price | None = None
    low: Price | None = None
    close: Price | None = None
    mean: Price | None = None
    previous: Price | None = None
    min: Price | None = None
    max: Price | None = None


class Candlestick(msgspec.Struct, frozen=True, gc=False):
    """One market candle; `end_period_ts` is the inclusive period end in Unix seconds."""

    end_period_ts: int
    yes_bid: QuoteOHLC | None
    yes_ask: QuoteOHLC | None
    price: TradeOHLC
    volume: Count
    open_interest: Count


class MarketCandlesticks(msgspec.Struct, frozen=True):
    ticker: str
    candlesticks: tuple[Candlestick, ...]


class EventCandlesticks(msgspec.Struct, frozen=True):
    """`GET /series/{s}/events/{e}/candlesticks`; continue from `adjusted_end_ts` when set."""

    markets: tuple[MarketCandlesticks, ...]
    adjusted_end_ts: int | None


class Orderbook(msgspec.Struct, frozen=True):
    """A REST order book: bids per side, ascending by price (best bid last)."""

    yes: tuple[Level, ...]
    no: tuple[Level, ...]
    ticker: str | None = None


class ExchangeStatus(msgspec.Struct, frozen=True):
    exchange_active: bool
    trading_active: bool
    exchange_estimated_resume_time: datetime | None = None


class DailySession(msgspec.Struct, frozen=True):
    open_time: str
    close_time: str


class WeeklySchedule(msgspec.Struct, frozen=True):
    start_time: datetime
    end_time: datetime
    days: tuple[tuple[str, tuple[DailySession, ...]], ...]


class MaintenanceWindow(msgspec.Struct, frozen=True):
    start_datetime: datetime
    end_datetime: datetime


class ExchangeSchedule(msgspec.Struct, frozen=True):
    standard_hours: tuple[WeeklySchedule, ...]
    maintenance_windows: tuple[MaintenanceWindow, ...]


class HistoricalCutoff(msgspec.Struct, frozen=True):
    """Markets settled before `market_settled_ts` and trades created before
    `trades_created_ts` live only under `/historical`."""

    market_settled_ts: datetime
    trades_created_ts: datetime
    orders_updated_ts: datetime | None = None


class Page(msgspec.Struct, Generic[T], frozen=True):
    """One page of a cursor-paginated list; `cursor` is None on the last page."""

    items: tuple[T, ...]
    cursor: str | None


# --------------------------------------------------------------------------- stream messages


class Subscribed(msgspec.Struct, frozen=True, tag="subscribed"):
    id: int | None
    channel: str
    sid: int
    received_ns: int = 0


class SubscriptionInfo(msgspec.Struct, frozen=True):
    channel: str
    sid: int


class Ok(msgspec.Struct, frozen=True, tag="ok"):
    """Reply to update_subscription (tickers) or list_subscriptions (subscriptions)."""

    id: int | None
    sid: int | None = None
    seq: int | None = None
    market_tickers: tuple[str, ...] = ()
    subscriptions: tuple[SubscriptionInfo, ...] = ()
    received_ns: int = 0


class Unsubscribed(msgspec.Struct, frozen=True, tag="unsubscribed"):
    id: int | None
    sid: int
    seq: int | None = None
    received_ns: int = 0


class StreamErrorMessage(msgspec.Struct, frozen=True, tag="error"):
    id: int | None
    code: int
    msg: str
    market_ticker: str | None = None
    received_ns: int = 0


class OrderbookSnapshot(msgspec.Struct, frozen=True, gc=False, tag="orderbook_snapshot"):
    sid: int
    seq: int
    market_ticker: str
    yes: tuple[Level, ...]
    no: tuple[Level, ...]
    market_id: str | None = None
    received_ns: int = 0


class OrderbookDelta(msgspec.Struct, frozen=True, gc=False, tag="orderbook_delta"):
    sid: int
    seq: int
    market_ticker: str
    price: Price
    delta: Count
    side: Side
    exchange_ts_ms: int | None = None
    market_id: str | None = None
    client_order_id: str | None = None
    received_ns: int = 0
    book_state: str = "live"  # "awaiting_snapshot": arrived while the book awaited one


class TickerUpdate(msgspec.Struct, frozen=True, gc=False, tag="ticker"):
    sid: int
    market_ticker: str
    price: Price | None
    yes_bid: Price | None
    yes_ask: Price | None
    volume: Count | None
    open_interest: Count | None
    yes_bid_size: Count | None = None
    yes_ask_size: Count | None = None
    last_trade_size: Count | None = None
    exchange_ts_ms: int | None = None
    market_id: str | None = None
    received_ns: int = 0


class TradeUpdate(msgspec.Struct, frozen=True, gc=False, tag="trade"):
    sid: int
    trade_id: str
    market_ticker: str
    yes_price: Price
    no_price: Price
    count: Count
    taker_side: Side | None
    exchange_ts_ms: int | None
    is_block_trade: bool = False
    received_ns: int = 0


class MarketLifecycle(msgspec.Struct, frozen=True, tag="market_lifecycle_v2"):
    sid: int
    market_ticker: str
    event_type: str
    open_ts: int | None = None
    close_ts: int | None = None
    result: str | None = None
    determination_ts: int | None = None
    settlement_value: Price | None = None
    settled_ts: int | None = None
    is_deactivated: bool | None = None
    price_level_structure: str | None = None
    price_ranges: tuple[PriceRange, ...] = ()
    received_ns: int = 0


class EventLifecycle(msgspec.Struct, frozen=True, tag="event_lifecycle"):
    sid: int
    event_ticker: str
    title: str | None = None
    subtitle: str | None = None
    collateral_return_type: str | None = None
    series_ticker: str | None = None
    received_ns: int = 0


# What the data channels send (both StreamMessage and the feed's FeedEvent include it).
ChannelData = (
    OrderbookSnapshot
    | OrderbookDelta
    | TickerUpdate
    | TradeUpdate
    | MarketLifecycle
    | EventLifecycle
)
StreamMessage = Subscribed | Ok | Unsubscribed | StreamErrorMessage | ChannelData
