"""Real payloads parse exactly: every JSON payload quoted in shared/reference/kalshi-api.md,
and the raw recordings in shared/kalshi/fixtures (KXHIGHNY order books, Aug 2026, and the
June-2026 `/markets` discovery capture).

The reference abridges some payloads (`{...}`, `[…]`, `"<RFC3339>"`); those markers are
filled with empty containers or a time before parsing. Schema sketches such as
`{"market":Market}` are not payloads and are recognised as such.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from kalshi_tape import parse, wire
from kalshi_tape.core.domain import (
    EventLifecycle,
    ExchangeStatus,
    MarketLifecycle,
    Orderbook,
    OrderbookDelta,
    OrderbookSnapshot,
    TickerUpdate,
    TradeUpdate,
)
from kalshi_tape.core.money import Count, Price, PriceRange
from kalshi_tape.reference.brackets import bracket_of
from tests.shared_data import SHARED
from tests.unit.docs_snapshot import EXAMPLE_TIME, REFERENCE, json_blocks, json_documents

FIXTURES = SHARED / "kalshi/fixtures"
BOOK_FILES = sorted((FIXTURES / "ericzzhang_orderbooks").glob("*.jsonl"))
DISCOVERY = FIXTURES / "ericzzhang_markets" / "market_discovery_raw.json"


def _unabridge(text: str) -> str:
    text = re.sub(r"\{\s*(?:\.\.\.|…)\s*\}", "{}", text)
    text = re.sub(r"\[\s*…\s*\]", "[]", text)
    text = re.sub(r",\s*…\s*(?=,)", "", text)
    return text.replace('"<RFC3339>"', f'"{EXAMPLE_TIME}"')


def _is_sketch(text: str) -> bool:
    """A shape description, not a payload: bare identifiers or a bare list of keys."""
    unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", unquoted)) - {"null", "true", "false"}
    return bool(words) or re.search(r'\{\s*""\s*,', unquoted) is not None


def _reference_payloads() -> tuple[list[Any], list[str]]:
    payloads: list[Any] = []
    sketches: list[str] = []
    for block in json_blocks(REFERENCE):
        payloads.extend(json_documents(_unabridge(block)))
    for span in re.findall(r"`(\{\".*?\})`", REFERENCE.read_text()):
        cleaned = _unabridge(span)
        try:
            payloads.append(json.loads(cleaned))
        except json.JSONDecodeError:
            assert _is_sketch(cleaned), f"neither payload nor sketch: {span}"
            sketches.append(span)
    return payloads, sketches


PAYLOADS, SKETCHES = _reference_payloads()
NOT_MARKET_DATA = {"usage_tier": "GET /account/limits (account)", "series_fee_change_arr": "fees"}


def _route(doc: dict[str, Any]) -> Callable[[bytes], Any]:
    body = json.dumps
    if "type" in doc:
        return parse.parse_stream_message
    if "cmd" in doc:
        return lambda b: msgspec.json.decode(b, type=wire.WCommand)
    if "series" in doc:
        return parse.parse_series
    if "orderbooks" in doc:
        return parse.parse_orderbooks
    if "orderbook_fp" in doc or "orderbook" in doc:
        return parse.parse_orderbook
    if "trade_id" in doc:
        return lambda b: parse.parse_trades_page(body({"trades": [json.loads(b)], "cursor": ""}))
    if "end_period_ts" in doc:
        return lambda b: parse.parse_market_candlesticks(
            body({"ticker": "T", "candlesticks": [json.loads(b)]})
        )
    if "event_ticker" in doc and "ticker" in doc:
        return lambda b: parse.parse_market(body({"market": json.loads(b)}))
    if "exchange_active" in doc:
        return parse.parse_exchange_status
    if "schedule" in doc:
        return parse.parse_exchange_schedule
    if "error" in doc:
        return parse.parse_error_body
    raise AssertionError(f"no parser for {doc}")


def _parse(doc: dict[str, Any]) -> Any:
    return _route(doc)(json.dumps(doc).encode())


def test_reference_payloads_found() -> None:
    assert len(PAYLOADS) >= 30
    assert len(SKETCHES) >= 15
    assert not any("1374.33" in s for s in SKETCHES)


def _payload_id(index: int) -> str:
    doc = PAYLOADS[index]
    return f"{index}-{doc.get('type') or doc.get('cmd') or next(iter(doc), 'empty')}"


@pytest.mark.parametrize("index", range(len(PAYLOADS)), ids=_payload_id)
def test_reference_payload_parses(index: int) -> None:
    doc = PAYLOADS[index]
    for key, reason in NOT_MARKET_DATA.items():
        if key in doc:
            pytest.skip(reason)
    result = _parse(doc)
    if doc.get("type") not in (None, "event_fee_update"):
        assert result is not None


def _find(predicate: Callable[[dict[str, Any]], bool]) -> Any:
    (doc,) = [d for d in PAYLOADS if predicate(d)]
    return _parse(doc)


def test_reference_market_values() -> None:
    market = _find(lambda d: d.get("ticker") == "KXHIGHNY-26JUN02-B79.5")
    assert market.yes_ask == Price("0.0300") and market.yes_ask.cents == 3
    assert (market.yes_bid, market.no_bid, market.no_ask) == (
        Price("0.02"),
        Price("0.97"),
        Price("0.98"),
    )
    assert (market.yes_bid_size, market.yes_ask_size) == (Count("83.00"), Count("8.00"))
    assert market.volume == Count("1374.33") and str(market.volume) == "1374.33"
    assert market.open_interest == Count("1300.44")
    assert (market.floor_strike, market.cap_strike) == (Decimal(79), Decimal(80))
    assert (market.result, market.expiration_value, market.status) == (None, None, "active")
    assert market.price_ranges == (PriceRange(Price("0"), Price("1"), Price("0.01")),)
    assert market.notional_value == Decimal("1.0000")
    assert bracket_of(market).pays(79) and not bracket_of(market).pays(81)


def test_reference_book_trade_and_candles() -> None:
    book = _find(lambda d: "orderbook_fp" in d and "orderbook" not in d)
    assert book.yes == (
        (Price("0.01"), Count("200")),
        (Price("0.15"), Count("100")),
        (Price("0.42"), Count("13")),
    )
    legacy_null = _find(lambda d: d.get("orderbook") == {"yes": None, "no": None})
    assert legacy_null == Orderbook(yes=(), no=())
    era_b = _find(lambda d: "orderbook_fp" in d and "orderbook" in d)
    assert era_b.yes == ((Price("0.08"), Count("300")),)
    (trade,) = _find(lambda d: "trade_id" in d and "ticker" in d).items
    assert (trade.yes_price, trade.no_price, trade.count) == (
        Price("0.03"),
        Price("0.97"),
        Count("155"),
    )
    (live,) = _find(lambda d: d.get("end_period_ts") == 1776109260).candlesticks
    assert live.yes_ask is not None and live.yes_ask.open == Price("0.1630")  # sub-penny
    assert live.yes_ask.open.cents == Decimal("16.3")
    assert (live.price.mean, live.price.max, live.volume) == (
        Price("0.56"),
        Price("0.56"),
        Count("0"),
    )
    (hist,) = _find(lambda d: d.get("end_period_ts") == 1782874800).candlesticks
    assert (hist.open_interest, hist.volume) == (Count("21021.29"), Count("1.00"))
    assert hist.yes_bid is not None and hist.yes_bid.close == Price("0")
    assert hist.price.min is None and hist.price.previous == Price("0.02")
    status = _find(lambda d: "exchange_active" in d)
    assert status == ExchangeStatus(exchange_active=True, trading_active=True)


def test_reference_stream_values() -> None:
    snap = _find(lambda d: d.get("type") == "orderbook_snapshot")
    assert isinstance(snap, OrderbookSnapshot)
    assert snap.no == ((Price("0.54"), Count("20")), (Price("0.56"), Count("146")))
    delta = _find(lambda d: d.get("type") == "orderbook_delta" and d["sid"] == 2)
    assert isinstance(delta, OrderbookDelta)
    assert (delta.price, delta.delta, delta.exchange_ts_ms) == (
        Price("0.96"),
        Count("-54"),
        1669149841000,
    )
    real = _find(lambda d: d.get("seq") == 2399869)
    assert isinstance(real, OrderbookDelta)
    assert (real.price, real.delta, real.side, real.exchange_ts_ms) == (
        Price("0.4800"),
        Count("-40.00"),
        "no",
        1786410915566,
    )
    ticker = _find(lambda d: d.get("type") == "ticker")
    assert isinstance(ticker, TickerUpdate)
    assert (ticker.yes_bid, ticker.last_trade_size) == (Price("0.45"), Count("25"))
    trade = _find(lambda d: d.get("type") == "trade")
    assert isinstance(trade, TradeUpdate)
    assert (trade.taker_side, trade.count) == ("no", Count("136.00"))
    lifecycle = _find(lambda d: d.get("type") == "event_lifecycle")
    assert isinstance(lifecycle, EventLifecycle) and lifecycle.series_ticker == "KXQUICKSETTLE"
    assert _find(lambda d: d.get("type") == "event_fee_update") is None
    assert not any(isinstance(_parse(d), MarketLifecycle) for d in PAYLOADS if "type" in d)


def test_reference_error_bodies() -> None:
    assert parse.parse_error_body(b'{"error":"too many requests"}') == (
        "too_many_requests",
        "too many requests",
    )
    nested = _find(lambda d: isinstance(d.get("error"), dict))
    assert nested == ("…", "…")


# --------------------------------------------------------------------------- fixtures


def _book_lines() -> list[dict[str, Any]]:
    return [json.loads(line) for path in BOOK_FILES for line in path.read_text().splitlines()]


BOOK_LINES = _book_lines()


def test_recorded_books_found() -> None:
    assert len(BOOK_FILES) == 5 and len(BOOK_LINES) == 60


@pytest.mark.parametrize("path", BOOK_FILES, ids=[p.name for p in BOOK_FILES])
def test_recorded_orderbooks_parse_exactly(path: Path) -> None:
    for line in path.read_text().splitlines():
        record = json.loads(line)
        book = parse.parse_orderbook(json.dumps(record["payload"]).encode(), record["ticker"])
        assert book.ticker == record["ticker"]
        wire_book = record["payload"]["orderbook_fp"]
        for side, levels in (("yes", book.yes), ("no", book.no)):
            raw = wire_book[f"{side}_dollars"]
            assert [(str(p), str(c)) for p, c in levels] == [tuple(level) for level in raw]
            assert [p for p, _ in levels] == sorted(p for p, _ in levels)  # ascending
            assert all(Decimal(c) > 0 for _, c in levels)


def test_recorded_fractional_size_is_exact() -> None:
    first = BOOK_LINES[0]
    book = parse.parse_orderbook(json.dumps(first["payload"]).encode())
    assert first["ticker"] == "KXHIGHNY-26AUG23-T87"
    assert book.yes == ((Price("0.0100"), Count("531.10")),)
    assert str(book.yes[0][1]) == "531.10"
    assert book.no[-1] == (Price("0.98"), Count("36"))


def test_market_discovery_capture_parses() -> None:
    raw = DISCOVERY.read_bytes()
    page = parse.parse_markets_page(b'{"markets":' + raw + b',"cursor":""}')
    assert page.cursor is None
    assert len(page.items) == 12
    by_ticker = {m.ticker: m for m in page.items}
    b795 = by_ticker["KXHIGHNY-26JUN02-B79.5"]
    assert (b795.yes_bid, b795.yes_ask, b795.volume) == (
        Price("0.0200"),
        Price("0.0300"),
        Count("1374.33"),
    )
    b705 = by_ticker["KXHIGHNY-26JUN01-B70.5"]
    assert (b705.yes_ask, b705.yes_bid_size) == (Price("1.0000"), Count("43681.62"))
    t80 = by_ticker["KXHIGHNY-26JUN02-T80"]
    assert (t80.strike_type, t80.floor_strike, t80.cap_strike) == ("greater", Decimal(80), None)
    for market, item in zip(page.items, json.loads(raw), strict=True):
        assert market.raw == json.dumps(item, separators=(",", ":")).encode() or (
            json.loads(market.raw) == item
        )
        assert str(market.yes_bid) == item["yes_bid_dollars"]
        assert str(market.open_interest) == item["open_interest_fp"]
