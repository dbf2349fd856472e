"""Reference data parsers: series, markets and events (single and paged)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TypedDict

import msgspec

from kalshi_tape import wire as w
from kalshi_tape.core.domain import Event, Market, Page, Series, SettlementSource
from kalshi_tape.core.money import ZERO_COUNT, Count, Price
from kalshi_tape.parse.common import (
    Json,
    _blank_to_none,
    _decode,
    _finite,
    _guarded,
    _ranges,
    _raw_bytes,
    count_field,
    price_field,
)


@_guarded("series")
def series_from_wire(raw: msgspec.Raw | Json, where: str = "series") -> Series:
    s = _decode(raw, w.WSeries, where)
    return Series(
        ticker=s.ticker,
        title=s.title,
        category=s.category,
        frequency=s.frequency,
        fee_type=s.fee_type or "",
        fee_multiplier=_finite(
            f"{where}.fee_multiplier",
            s.fee_multiplier if s.fee_multiplier is not None else Decimal(1),
        ),
        tags=tuple(s.tags or ()),
        settlement_sources=tuple(
            SettlementSource(src.name or "", src.url or "") for src in s.settlement_sources or ()
        ),
        contract_url=s.contract_url or "",
        last_updated_ts=s.last_updated_ts,
        raw=_raw_bytes(raw),
    )


@_guarded("market")
def market_from_wire(raw: msgspec.Raw | Json, where: str = "market") -> Market:
    m = _decode(raw, w.WMarket, where)
    return Market(
        ticker=m.ticker,
        event_ticker=m.event_ticker,
        market_type=m.market_type,
        status=_normalise_status(m.status),
        title=m.title or "",
        subtitle=m.subtitle or "",
        yes_sub_title=m.yes_sub_title or "",
        no_sub_title=m.no_sub_title or "",
        open_time=m.open_time,
        close_time=m.close_time,
        created_time=m.created_time,
        updated_time=m.updated_time,
        expected_expiration_time=m.expected_expiration_time,
        latest_expiration_time=m.latest_expiration_time,
        settlement_timer_seconds=m.settlement_timer_seconds,
        strike_type=m.strike_type,
        floor_strike=_finite(f"{where}.floor_strike", m.floor_strike),
        cap_strike=_finite(f"{where}.cap_strike", m.cap_strike),
        **_market_quotes(where, m),
        **_market_counts(where, m),
        notional_value=_notional(where, m),
        result=_blank_to_none(m.result),
        can_close_early=m.can_close_early,
        expiration_value=_blank_to_none(m.expiration_value),
        settlement_value=price_field(
            f"{where}.settlement_value", m.settlement_value_dollars, m.settlement_value
        ),
        settlement_ts=m.settlement_ts,
        rules_primary=m.rules_primary or "",
        rules_secondary=m.rules_secondary or "",
        early_close_condition=m.early_close_condition,
        price_level_structure=m.price_level_structure,
        price_ranges=_ranges(f"{where}.price_ranges", m.price_ranges),
        raw=_raw_bytes(raw),
    )


class _MarketQuotes(TypedDict):
    yes_bid: Price
    yes_ask: Price
    no_bid: Price
    no_ask: Price
    last_price: Price
    previous_yes_bid: Price | None
    previous_yes_ask: Price | None
    previous_price: Price | None


def _market_quotes(where: str, m: w.WMarket) -> _MarketQuotes:
    """The quote prices, from the dollar strings or (older eras) the integer cents."""
    return _MarketQuotes(
        yes_bid=_market_price(where, "yes_bid", m.yes_bid_dollars, m.yes_bid, "0"),
        yes_ask=_market_price(where, "yes_ask", m.yes_ask_dollars, m.yes_ask, "1"),
        no_bid=_market_price(where, "no_bid", m.no_bid_dollars, m.no_bid, "0"),
        no_ask=_market_price(where, "no_ask", m.no_ask_dollars, m.no_ask, "1"),
        last_price=_market_price(where, "last_price", m.last_price_dollars, m.last_price, "0"),
        previous_yes_bid=price_field(
            f"{where}.previous_yes_bid", m.previous_yes_bid_dollars, m.previous_yes_bid
        ),
        previous_yes_ask=price_field(
            f"{where}.previous_yes_ask", m.previous_yes_ask_dollars, m.previous_yes_ask
        ),
        previous_price=price_field(
            f"{where}.previous_price", m.previous_price_dollars, m.previous_price
        ),
    )


class _MarketCounts(TypedDict):
    yes_bid_size: Count | None
    yes_ask_size: Count | None
    volume: Count
    volume_24h: Count
    open_interest: Count


def _market_counts(where: str, m: w.WMarket) -> _MarketCounts:
    """Sizes, volumes and open interest, from the fp strings or the integer counts."""
    return _MarketCounts(
        yes_bid_size=count_field(f"{where}.yes_bid_size_fp", m.yes_bid_size_fp, None),
        yes_ask_size=count_field(f"{where}.yes_ask_size_fp", m.yes_ask_size_fp, None),
        volume=count_field(f"{where}.volume", m.volume_fp, m.volume) or ZERO_COUNT,
        volume_24h=count_field(f"{where}.volume_24h", m.volume_24h_fp, m.volume_24h) or ZERO_COUNT,
        open_interest=(
            count_field(f"{where}.open_interest", m.open_interest_fp, m.open_interest) or ZERO_COUNT
        ),
    )


def _market_price(
    where: str, name: str, dollars: str | None, cents: int | None, empty: str
) -> Price:
    value = price_field(f"{where}.{name}", dollars, cents)
    return value if value is not None else Price(empty)


def _notional(where: str, m: w.WMarket) -> Decimal | None:
    if m.notional_value_dollars is not None:
        try:
            value = Decimal(m.notional_value_dollars)
        except ArithmeticError:
            value = Decimal("NaN")
        return _finite(f"{where}.notional_value_dollars", value)
    if m.notional_value is not None:
        return Decimal(m.notional_value) / 100
    return None


_STATUS_ALIASES = {"settled": "finalized", "open": "active"}


def _normalise_status(status: str) -> str:
    """Legacy statuses: `settled` is `finalized`, `open` is `active`."""
    return _STATUS_ALIASES.get(status, status)


@_guarded("event")
def event_from_wire(
    raw: msgspec.Raw | Json, extra_markets: Iterable[msgspec.Raw] = (), where: str = "event"
) -> Event:
    e = _decode(raw, w.WEvent, where)
    nested = list(e.markets or ()) or list(extra_markets)
    return Event(
        event_ticker=e.event_ticker,
        series_ticker=e.series_ticker,
        title=e.title,
        sub_title=e.sub_title,
        collateral_return_type=e.collateral_return_type,
        mutually_exclusive=e.mutually_exclusive,
        strike_date=e.strike_date,
        strike_period=_blank_to_none(e.strike_period),
        fee_type_override=e.fee_type_override,
        fee_multiplier_override=_finite(
            f"{where}.fee_multiplier_override", e.fee_multiplier_override
        ),
        markets=tuple(market_from_wire(m, f"{where}.markets[{i}]") for i, m in enumerate(nested)),
        raw=_raw_bytes(raw),
    )


def parse_series(data: Json) -> Series:
    """`GET /series/{ticker}` -> Series."""
    return series_from_wire(_decode(data, w.WSeriesResponse, "$").series, "series")


def parse_series_list(data: Json) -> list[Series]:
    """`GET /series` -> [Series]."""
    body = _decode(data, w.WSeriesListResponse, "$")
    return [series_from_wire(s, f"series[{i}]") for i, s in enumerate(body.series or ())]


def parse_market(data: Json) -> Market:
    """`GET /markets/{ticker}` (or `/historical/markets/{ticker}`) -> Market."""
    return market_from_wire(_decode(data, w.WMarketResponse, "$").market, "market")


def parse_markets_page(data: Json) -> Page[Market]:
    """`GET /markets` (or `/historical/markets`) -> Page[Market]."""
    body = _decode(data, w.WMarketsResponse, "$")
    items = tuple(market_from_wire(m, f"markets[{i}]") for i, m in enumerate(body.markets))
    return Page(items=items, cursor=body.cursor or None)


def parse_event(data: Json) -> Event:
    """`GET /events/{ticker}` -> Event (markets from `event.markets` or the top-level list)."""
    body = _decode(data, w.WEventResponse, "$")
    return event_from_wire(body.event, body.markets or (), "event")


def parse_events_page(data: Json) -> Page[Event]:
    """`GET /events` -> Page[Event]."""
    body = _decode(data, w.WEventsResponse, "$")
    items = tuple(event_from_wire(e, (), f"events[{i}]") for i, e in enumerate(body.events))
    return Page(items=items, cursor=body.cursor or None)
