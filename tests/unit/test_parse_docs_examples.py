"""Every REST and WebSocket example of the official docs snapshot parses, with exact values.

REST pages embed an OpenAPI fragment per endpoint; their only examples are field-level
(`FixedPointDollars: '0.5600'`, `FixedPointCount: '10.00'`, an order-book level). So each
endpoint's 200 response is built from its schema twice, with every property and with the
required ones only, using the spec's examples, and fed to the matching parse function.
WebSocket pages embed AsyncAPI messages with complete `example` frames and a
`jsonPayloadSchema`; both the examples and instances of the schemas are parsed.

Out of scope (listed in SKIPPED_ENDPOINTS / SKIPPED_MESSAGES with the reason): portfolio
endpoints and the private fill channel, and endpoints issue 2 does not model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from kalshi_tape import parse, wire
from kalshi_tape.core.domain import (
    EventCandlesticks,
    EventLifecycle,
    MarketLifecycle,
    Ok,
    Orderbook,
    OrderbookDelta,
    OrderbookSnapshot,
    StreamErrorMessage,
    Subscribed,
    SubscriptionInfo,
    TickerUpdate,
    TradeUpdate,
    Unsubscribed,
)
from kalshi_tape.core.money import Count, Price
from tests.unit.docs_snapshot import (
    SNAPSHOT,
    Fragment,
    InstanceBuilder,
    fragments,
    json_blocks,
    json_documents,
    message_examples,
    message_schemas,
    operation,
    resolve,
    response_schema,
)

FRAGMENTS = fragments()
REST = [f for f in FRAGMENTS if f.page.startswith("api-reference/")]
WS = [f for f in FRAGMENTS if f.page.startswith("websockets/")]

ROUTES: dict[str, Callable[[bytes], Any]] = {
    "/series": parse.parse_series_list,
    "/series/{series_ticker}": parse.parse_series,
    "/events": parse.parse_events_page,
    "/events/multivariate": parse.parse_events_page,
    "/events/{event_ticker}": parse.parse_event,
    "/markets": parse.parse_markets_page,
    "/markets/{ticker}": parse.parse_market,
    "/markets/{ticker}/orderbook": parse.parse_orderbook,
    "/markets/orderbooks": parse.parse_orderbooks,
    "/markets/trades": parse.parse_trades_page,
    "/series/{series_ticker}/markets/{ticker}/candlesticks": parse.parse_market_candlesticks,
    "/markets/candlesticks": parse.parse_batch_candlesticks,
    "/series/{series_ticker}/events/{ticker}/candlesticks": parse.parse_event_candlesticks,
    "/exchange/status": parse.parse_exchange_status,
    "/exchange/schedule": parse.parse_exchange_schedule,
    "/historical/cutoff": parse.parse_cutoff,
    "/historical/markets": parse.parse_markets_page,
    "/historical/markets/{ticker}": parse.parse_market,
    "/historical/markets/{ticker}/candlesticks": parse.parse_historical_candlesticks,
    "/historical/trades": parse.parse_trades_page,
}
SKIPPED_ENDPOINTS = {
    "/historical/fills": "portfolio (authenticated user fills)",
    "/historical/orders": "portfolio (authenticated user orders)",
    "/historical/positions": "portfolio (authenticated user positions)",
    "/exchange/user_data_timestamp": "portfolio (freshness of user data)",
    "/exchange/announcements": "endpoint removed 2026-07-04",
    "/events/fee_changes": "fee-change schedule is not part of issue 2's domain model",
    "/series/fee_changes": "fee-change schedule is not part of issue 2's domain model",
    "/events/{event_ticker}/metadata": "images and colours; not modelled",
    "/series/{series_ticker}/events/{ticker}/forecast_percentile_history": (
        "authenticated forecast history; not modelled"
    ),
    "/live_data/weather/{city}": "Kalshi Weather Index belongs to the weather issue",
}
SKIPPED_MESSAGES = {
    "fill": "private fill channel (portfolio)",
    "outgoingPing": "keep-alive control frame, not a JSON text frame",
    "outgoingPong": "keep-alive control frame, not a JSON text frame",
    "incomingPing": "keep-alive control frame, not a JSON text frame",
    "incomingPong": "keep-alive control frame, not a JSON text frame",
}
UNMODELLED_FRAME_TYPES = {"event_fee_update"}  # parse_stream_message returns None for these


def _path(fragment: Fragment) -> str:
    return operation(fragment)[1]


def _routed(fragment: Fragment) -> Callable[[bytes], Any]:
    return ROUTES[_path(fragment)]


def _body(value: Any) -> bytes:
    return json.dumps(value).encode()


ROUTED = [f for f in REST if _path(f) in ROUTES]


def test_every_rest_page_is_routed_or_skipped_with_a_reason() -> None:
    paths = [_path(f) for f in REST]
    assert len(REST) == len(list(SNAPSHOT.glob("api-reference/*/*.md")))
    assert sorted(paths) == sorted({*ROUTES, *SKIPPED_ENDPOINTS})


@pytest.mark.parametrize("full", [True, False], ids=["all-properties", "required-only"])
@pytest.mark.parametrize("fragment", ROUTED, ids=[f.page for f in ROUTED])
def test_rest_schema_instance_parses(fragment: Fragment, full: bool) -> None:
    schema = response_schema(fragment)
    assert schema is not None
    instance = InstanceBuilder(fragment.doc, full=full).build(schema)
    result = _routed(fragment)(_body(instance))
    if full:
        _check_values(_path(fragment), result)


def _check_values(path: str, result: Any) -> None:
    """Spot-check that the spec's examples came through exactly ('0.5600', '10.00')."""
    dollars, count = Price("0.5600"), Count("10.00")
    if path.endswith("/trades"):
        trade = result.items[0]
        assert (trade.yes_price, trade.no_price, trade.count) == (dollars, dollars, count)
        assert trade.taker_side == "yes"
    elif path in ("/markets", "/historical/markets", "/events", "/events/multivariate"):
        first = result.items[0]
        market = first.markets[0] if path.startswith("/events") else first
        assert (market.yes_bid, market.last_price, market.volume) == (dollars, dollars, count)
        assert market.yes_bid_size == count
        assert market.price_ranges[0].step == dollars
    elif path in ("/markets/{ticker}", "/historical/markets/{ticker}"):
        assert (result.no_ask, result.open_interest, result.volume_24h) == (dollars, count, count)
        assert result.settlement_value == dollars
    elif path.endswith("/orderbook"):
        level = (Price("0.15"), Count("100"))
        assert result == Orderbook(yes=(level,), no=(level,))
    elif path == "/markets/orderbooks":
        assert result[0].yes == ((Price("0.1500"), Count("100.00")),)
    elif path.endswith("/candlesticks"):
        if isinstance(result, EventCandlesticks):
            candle = result.markets[0].candlesticks[0]
        elif isinstance(result, list):
            candle = result[0].candlesticks[0]
        else:
            candle = result.candlesticks[0]
        assert candle.yes_bid is not None and candle.yes_bid.open == dollars
        assert (candle.price.close, candle.volume, candle.open_interest) == (
            dollars,
            count,
            count,
        )
    elif path.startswith("/series"):
        series = result[0] if isinstance(result, list) else result
        assert series.fee_type == "quadratic"
        assert isinstance(series.fee_multiplier, Decimal)


@pytest.mark.parametrize("fragment", ROUTED, ids=[f.page for f in ROUTED])
def test_rest_non_200_bodies_parse(fragment: Fragment) -> None:
    """Error bodies go to parse_error_body; /exchange/status answers 5xx with a status body."""
    _, _, op = operation(fragment)
    ok_schema = response_schema(fragment)
    for status, response in op["responses"].items():
        content = resolve(fragment.doc, response).get("content", {}).get("application/json")
        if str(status) == "200" or not content:
            continue
        body = _body(InstanceBuilder(fragment.doc, full=True).build(content["schema"]))
        if content["schema"] == ok_schema:
            _routed(fragment)(body)
        else:
            assert content["schema"]["$ref"].endswith("/ErrorResponse")
            assert parse.parse_error_body(body) == ("example", "example")


# --------------------------------------------------------------------------- WebSocket

EXAMPLES = [(f.page, mid, text) for f in WS for mid, text in message_examples(f)]
SCHEMAS = [(f.page, mid, schema) for f in WS for mid, schema in message_schemas(f)]


def test_websocket_examples_were_found() -> None:
    ids = {mid for _, mid, _ in EXAMPLES}
    assert {"orderbookSnapshot", "orderbookDelta", "ticker", "trade", "marketLifecycleV2"} <= ids
    assert {"eventLifecycle", "subscribedResponse", "okResponse", "errorResponse"} <= ids
    assert {"listSubscriptionsResponse", "unsubscribedResponse", "subscribeCommand"} <= ids
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize(("page", "mid", "text"), EXAMPLES, ids=[m for _, m, _ in EXAMPLES])
def test_websocket_example_parses(page: str, mid: str, text: str) -> None:
    if mid in SKIPPED_MESSAGES:
        pytest.skip(SKIPPED_MESSAGES[mid])
    frame = json.loads(text)
    if "cmd" in frame:  # client -> server commands: the client encodes these wire structs
        command = msgspec.json.decode(text, type=wire.WCommand)
        assert msgspec.json.decode(msgspec.json.encode(command)) == frame
        return
    message = parse.parse_stream_message(text.encode(), received_ns=7)
    if frame["type"] in UNMODELLED_FRAME_TYPES:
        assert message is None
        return
    assert message == EXPECTED[mid]


MID = "9b0f6b43-5b68-4f9f-9f02-9a2d1b8ac1a1"
EXPECTED: dict[str, Any] = {
    "orderbookSnapshot": OrderbookSnapshot(
        sid=2,
        seq=2,
        market_ticker="FED-23DEC-T3.00",
        yes=((Price("0.08"), Count("300")), (Price("0.22"), Count("333"))),
        no=((Price("0.54"), Count("20")), (Price("0.56"), Count("146"))),
        market_id=MID,
        received_ns=7,
    ),
    "orderbookDelta": OrderbookDelta(
        sid=2,
        seq=3,
        market_ticker="FED-23DEC-T3.00",
        price=Price("0.9600"),
        delta=Count("-54.00"),
        side="yes",
        exchange_ts_ms=1669149841000,
        market_id=MID,
        received_ns=7,
    ),
    "ticker": TickerUpdate(
        sid=11,
        market_ticker="FED-23DEC-T3.00",
        price=Price("0.48"),
        yes_bid=Price("0.45"),
        yes_ask=Price("0.53"),
        volume=Count("33896"),
        open_interest=Count("20422"),
        yes_bid_size=Count("300"),
        yes_ask_size=Count("150"),
        last_trade_size=Count("25"),
        exchange_ts_ms=1669149841000,
        market_id=MID,
        received_ns=7,
    ),
    "trade": TradeUpdate(
        sid=11,
        trade_id="d91bc706-ee49-470d-82d8-11418bda6fed",
        market_ticker="HIGHNY-22DEC23-B53.5",
        yes_price=Price("0.36"),
        no_price=Price("0.64"),
        count=Count("136"),
        taker_side="no",
        exchange_ts_ms=1669149841000,
        is_block_trade=False,
        received_ns=7,
    ),
    "marketLifecycleV2": MarketLifecycle(
        sid=13,
        market_ticker="INXD-23SEP14-B4487",
        event_type="created",
        open_ts=1694635200,
        close_ts=1694721600,
        price_level_structure="linear_cent",
        received_ns=7,
    ),
    "eventLifecycle": EventLifecycle(
        sid=5,
        event_ticker="KXQUICKSETTLE-26JAN25H2150",
        title="What will 1+1 equal on Jan 25 at 21:50?",
        subtitle="Jan 25 at 21:50",
        collateral_return_type="MECNET",
        series_ticker="KXQUICKSETTLE",
        received_ns=7,
    ),
    "subscribedResponse": Subscribed(id=1, channel="orderbook_delta", sid=1, received_ns=7),
    "unsubscribedResponse": Unsubscribed(id=102, sid=2, seq=7, received_ns=7),
    "okResponse": Ok(
        id=123,
        sid=456,
        seq=222,
        market_tickers=("MARKET-1", "MARKET-2", "MARKET-3"),
        received_ns=7,
    ),
    "listSubscriptionsResponse": Ok(
        id=3,
        subscriptions=(
            SubscriptionInfo("orderbook_delta", 1),
            SubscriptionInfo("ticker", 2),
            SubscriptionInfo("fill", 3),
        ),
        received_ns=7,
    ),
    "errorResponse": StreamErrorMessage(id=123, code=6, msg="Already subscribed", received_ns=7),
}


SERVER_SCHEMAS = [
    (page, mid, schema)
    for page, mid, schema in SCHEMAS
    if mid not in SKIPPED_MESSAGES and not mid.endswith("Command")
]


@pytest.mark.parametrize("full", [True, False], ids=["all-properties", "required-only"])
@pytest.mark.parametrize(
    ("page", "mid", "schema"), SERVER_SCHEMAS, ids=[m for _, m, _ in SERVER_SCHEMAS]
)
def test_websocket_schema_instance_parses(
    page: str, mid: str, schema: dict[str, Any], full: bool
) -> None:
    frame = InstanceBuilder({}, full=full).build(schema)
    message = parse.parse_stream_message(_body(frame))
    if frame["type"] in UNMODELLED_FRAME_TYPES:
        assert message is None
    else:
        assert message is not None
        assert message.__struct_config__.tag == frame["type"]


# --------------------------------------------------------------------------- guides, changelog


def _guide_documents() -> list[tuple[str, Any]]:
    pages = [*sorted(SNAPSHOT.glob("getting_started/*.md")), SNAPSHOT / "changelog" / "index.md"]
    return [
        (page.name, doc)
        for page in pages
        for block in json_blocks(page)
        for doc in json_documents(block)
    ]


GUIDE_DOCS = _guide_documents()


def test_guide_json_blocks_found() -> None:
    assert len(GUIDE_DOCS) >= 12


@pytest.mark.parametrize(("page", "doc"), GUIDE_DOCS, ids=[p for p, _ in GUIDE_DOCS])
def test_guide_json_parses(page: str, doc: dict[str, Any]) -> None:
    body = _body(doc)
    if "cmd" in doc:
        if "id" not in doc:
            pytest.skip("partial command example without an id (the client always sends one)")
        command = msgspec.json.decode(body, type=wire.WCommand)
        assert (command.id, command.cmd) == (doc["id"], doc["cmd"])
    elif "action" in doc:
        pytest.skip("order request: portfolio, out of scope")
    elif "orderbook_fp" in doc:
        book = parse.parse_orderbook(body)
        assert len(book.yes) == 12 and len(book.no) == 10
        assert book.yes[-1] == (Price("0.4200"), Count("13.00"))  # best YES bid is last
        assert book.no[-1] == (Price("0.56"), Count("17"))
        assert book.no[-1][0].complement() == Price("0.44")  # YES ask = 1 - best NO bid
    elif "type" in doc:
        assert parse.parse_stream_message(body) == StreamErrorMessage(
            id=123, code=2, msg="Params required"
        )
    elif "error" in doc:
        assert parse.parse_error_body(body) == ("too_many_requests", "too many requests")
    elif "count_fp" in doc:  # request-side fragments of the fixed-point guides
        assert Count(doc["count_fp"]) == Count("10.00")
        if "count" in doc:
            assert Count(doc["count"]) == Count(doc["count_fp"])
        if "fill_count" in doc:
            assert Count(doc["fill_count"]) == Count(doc["fill_count_fp"]) == Count("5")
    elif "price_dollars" in doc:
        assert Price(doc["price_dollars"]).cents == 12
    elif "usage_tier" in doc:
        pytest.skip("GET /account/limits: account data, not market data")
    else:
        pytest.fail(f"unrouted JSON block in {page}: {doc}")
