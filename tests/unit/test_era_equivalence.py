"""One market, trade, candle, book and stream message written in wire eras A, B and C
(tests/data/eras/<kind>.json, one key per variant) must parse to equal domain objects.

Era A: integer cents and counts. Era B: cents plus `*_dollars` strings (3 or 4 dp), later
also `*_fp` counts. Era C: only `*_dollars` / `*_fp`. Fields that have no integer twin on
the wire (top-of-book sizes) are left out of the shared payloads and tested on their own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kalshi_tape import parse
from kalshi_tape.core.domain import (
    Candlestick,
    Market,
    Orderbook,
    OrderbookDelta,
    OrderbookSnapshot,
    QuoteOHLC,
    TickerUpdate,
    Trade,
    TradeOHLC,
    TradeUpdate,
)
from kalshi_tape.core.money import Count, Price, PriceRange

ERAS = Path(__file__).resolve().parents[1] / "data" / "eras"
RECEIVED_NS = 1_700_000_000_123_456_789

PARSERS: dict[str, Callable[[bytes], Any]] = {
    "market": lambda b: parse.parse_market(_wrap_market(b)),
    "trades_page": parse.parse_trades_page,
    "market_candlesticks": parse.parse_market_candlesticks,
    "historical_candlesticks": parse.parse_historical_candlesticks,
    "orderbook": parse.parse_orderbook,
    "orderbook_one_side_empty": parse.parse_orderbook,
    "orderbook_empty": parse.parse_orderbook,
    "ws_orderbook_snapshot": lambda b: parse.parse_stream_message(b, RECEIVED_NS),
    "ws_orderbook_delta": lambda b: parse.parse_stream_message(b, RECEIVED_NS),
    "ws_ticker": lambda b: parse.parse_stream_message(b, RECEIVED_NS),
    "ws_trade": lambda b: parse.parse_stream_message(b, RECEIVED_NS),
}


def _wrap_market(body: bytes) -> bytes:
    return b'{"market":' + body + b"}"


def _variants(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ERAS / f"{kind}.json").read_text())
    return data


def _parsed(kind: str, variant: str) -> Any:
    return PARSERS[kind](json.dumps(_variants(kind)[variant]).encode())


CASES = [
    (kind, variant) for kind in sorted(PARSERS) for variant in _variants(kind) if variant != "C"
]


def test_every_era_file_has_a_parser() -> None:
    assert sorted(p.stem for p in ERAS.glob("*.json")) == sorted(PARSERS)


@pytest.mark.parametrize(("kind", "variant"), CASES, ids=[f"{k}-{v}" for k, v in CASES])
def test_older_era_equals_era_c(kind: str, variant: str) -> None:
    assert _parsed(kind, variant) == _parsed(kind, "C")


def test_variants_really_differ_on_the_wire() -> None:
    """Guard against a data file whose variants were copied from one another."""
    for kind in PARSERS:
        payloads = [json.dumps(v, sort_keys=True) for v in _variants(kind).values()]
        assert len(set(payloads)) == len(payloads), kind


# --------------------------------------------------------------------------- exact values


def test_market_values() -> None:
    market = _parsed("market", "A")
    assert isinstance(market, Market)
    assert market.status == "finalized"  # era A "settled" is today's "finalized"
    assert (market.yes_bid, market.yes_ask, market.no_bid, market.no_ask) == (
        Price("0.9700"),
        Price("0.9900"),
        Price("0.0100"),
        Price("0.0300"),
    )
    assert market.no_ask.cents == 3
    assert market.last_price == Price("0.98")
    assert market.volume == Count("1374.00")
    assert market.volume_24h == Count("1200")
    assert market.open_interest == Count("1300.00")
    assert market.notional_value == Decimal("1")
    assert market.settlement_value == Price("1")
    assert (market.result, market.expiration_value) == ("yes", "80")
    assert (market.floor_strike, market.cap_strike) == (Decimal(79), Decimal(80))
    assert market.price_ranges == (PriceRange(Price("0"), Price("1"), Price("0.01")),)
    assert market.close_time == datetime(2026, 6, 3, 4, 59, tzinfo=UTC)
    assert market.settlement_ts == datetime(2026, 6, 3, 15, 2, 11, 500000, tzinfo=UTC)
    assert market.is_settled
    assert (market.yes_bid_size, market.yes_ask_size) == (None, None)


def test_market_raw_keeps_its_era_but_not_equality() -> None:
    a, c = _parsed("market", "A"), _parsed("market", "C")
    assert a == c
    assert b'"yes_bid":97' in a.raw.replace(b" ", b"")
    assert b"yes_bid_dollars" in c.raw


def test_market_top_of_book_sizes_are_era_c_only() -> None:
    body = dict(_variants("market")["C"], yes_bid_size_fp="83.00", yes_ask_size_fp="8.50")
    market = parse.parse_market(_wrap_market(json.dumps(body).encode()))
    assert (market.yes_bid_size, market.yes_ask_size) == (Count("83.00"), Count("8.50"))


def test_trade_values() -> None:
    page = _parsed("trades_page", "A")
    assert page.cursor == "MjAyNi0wNC0wNHwwMDM="
    (trade,) = page.items
    assert trade == Trade(
        trade_id="0e9c6f1e-7f0a-4e3b-9a0e-3c2d4b5a6f70",
        ticker="KXHIGHNY-26SEP01-T90",
        yes_price=Price("0.0300"),
        no_price=Price("0.9700"),
        count=Count("155.00"),
        taker_side="no",
        created_time=datetime(2026, 9, 1, 1, 46, 15, 690388, tzinfo=UTC),
        is_block_trade=False,
    )
    assert trade.yes_price.cents == 3


def test_candle_values() -> None:
    first, quiet = _parsed("market_candlesticks", "A").candlesticks
    assert first == Candlestick(
        end_period_ts=1776109260,
        yes_bid=QuoteOHLC(Price("0.08"), Price("0.08"), Price("0.07"), Price("0.08")),
        yes_ask=QuoteOHLC(Price("0.17"), Price("0.17"), Price("0.15"), Price("0.17")),
        price=TradeOHLC(
            open=Price("0.56"),
            high=Price("0.57"),
            low=Price("0.55"),
            close=Price("0.56"),
            mean=Price("0.56"),
            previous=Price("0.54"),
            min=Price("0.55"),
            max=Price("0.57"),
        ),
        volume=Count("12"),
        open_interest=Count("10869"),
    )
    assert quiet.price == TradeOHLC(previous=Price("0.5600"))
    assert quiet.volume == Count("0.00")


def test_book_values_ascending_best_last() -> None:
    book = _parsed("orderbook", "A")
    assert book.yes == (
        (Price("0.01"), Count("200")),
        (Price("0.15"), Count("100")),
        (Price("0.42"), Count("13")),
    )
    assert book.no[-1] == (Price("0.5600"), Count("17.00"))
    assert _parsed("orderbook_one_side_empty", "A_null_side").yes == ()
    assert _parsed("orderbook_empty", "A_null_sides") == Orderbook(yes=(), no=())


def test_stream_values() -> None:
    snapshot = _parsed("ws_orderbook_snapshot", "B")
    assert isinstance(snapshot, OrderbookSnapshot)
    assert snapshot.yes == ((Price("0.08"), Count("300")), (Price("0.22"), Count("333")))
    assert snapshot.received_ns == RECEIVED_NS
    delta = _parsed("ws_orderbook_delta", "A")
    assert delta == OrderbookDelta(
        sid=2,
        seq=3,
        market_ticker="FED-23DEC-T3.00",
        price=Price("0.9600"),
        delta=Count("-54.00"),
        side="yes",
        exchange_ts_ms=1669149841000,
        market_id="9b0f6b43-5b68-4f9f-9f02-9a2d1b8ac1a1",
        received_ns=RECEIVED_NS,
    )
    ticker = _parsed("ws_ticker", "B")
    assert isinstance(ticker, TickerUpdate)
    assert (ticker.price, ticker.yes_bid, ticker.yes_ask) == (
        Price("0.48"),
        Price("0.45"),
        Price("0.53"),
    )
    assert (ticker.volume, ticker.open_interest) == (Count("33896"), Count("20422"))
    assert ticker.exchange_ts_ms == 1669149841000
    trade = _parsed("ws_trade", "A")
    assert isinstance(trade, TradeUpdate)
    assert (trade.yes_price, trade.no_price, trade.count) == (
        Price("0.36"),
        Price("0.64"),
        Count("136"),
    )
    assert (trade.taker_side, trade.exchange_ts_ms) == ("no", 1669149841000)


def test_exact_strings_win_over_integer_twins() -> None:
    """When both are present and disagree, the exact `*_dollars` / `*_fp` field wins."""
    frame = _variants("ws_orderbook_delta")["B_with_fp"]
    frame["msg"].update(price=1, delta=-1)
    delta = parse.parse_stream_message(json.dumps(frame).encode())
    assert isinstance(delta, OrderbookDelta)
    assert (delta.price, delta.delta) == (Price("0.96"), Count("-54"))
    body = dict(_variants("market")["B"], yes_bid=1, volume_fp="1374.50")
    market = parse.parse_market(_wrap_market(json.dumps(body).encode()))
    assert (market.yes_bid, market.volume) == (Price("0.97"), Count("1374.50"))
