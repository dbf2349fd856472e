"""Reference data structs: series, markets, events and their response envelopes."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from kalshi_tape.wire.common import Timestamp, Wire


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
