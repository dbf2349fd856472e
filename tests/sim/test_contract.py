"""Contract tests: every REST response kind validates against the SDK 3.34 JSON Schemas
(fixed era), and the dual / cents eras carry the legacy field shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import httpx
import jsonschema
import pytest

from kalshi_tape.sim.server import SimServer
from tests.shared_data import SHARED

from .conftest import frozen_config

SCHEMAS = SHARED / "kalshi/schemas-sdk-3.34"
LIVE_EVENT = "KXHIGHNY-26NOV22"
SETTLED_EVENT = "KXHIGHNY-26NOV21"
HIST_EVENT = "KXHIGHNY-26NOV12"
START, END = 1795320000 - 2 * 86400, 1795320000  # around 2026-11-22 15:00Z


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def _check(name: str, body: Any) -> None:
    error = jsonschema.exceptions.best_match(_validator(name).iter_errors(body))
    if error is not None:
        deepest = min(error.context or [error], key=lambda e: -len(e.absolute_path))
        where = list(deepest.absolute_path)
        raise AssertionError(f"{name}: {deepest.message[:300]} at {where}")


def _tickers(http: httpx.Client, event: str) -> list[str]:
    return [m["ticker"] for m in http.get(f"/events/{event}").json()["markets"]]


def _cases(http: httpx.Client) -> Iterator[tuple[str, str, dict[str, Any]]]:
    live = _tickers(http, LIVE_EVENT)
    hist = [
        m["ticker"]
        for m in http.get("/historical/markets", params={"event_ticker": HIST_EVENT}).json()[
            "markets"
        ]
    ]
    candles = {"start_ts": START, "end_ts": END, "period_interval": 60}
    yield "GetSeriesListResponse", "/series", {}
    yield (
        "GetSeriesListResponse",
        "/series",
        {"include_volume": "true", "category": "Climate and Weather"},
    )
    yield "GetSeriesResponse", "/series/KXHIGHLAX", {}
    yield "GetSeriesFeeChangesResponse", "/series/fee_changes", {}
    yield "GetEventsResponse", "/events", {"limit": 3}
    yield "GetEventsResponse", "/events", {"limit": 3, "with_nested_markets": "true"}
    yield (
        "GetEventsResponse",
        "/events",
        {"status": "settled", "limit": 2, "with_nested_markets": "true"},
    )
    yield "GetEventResponse", f"/events/{LIVE_EVENT}", {"with_nested_markets": "true"}
    yield "GetEventResponse", f"/events/{SETTLED_EVENT}", {}
    yield "GetEventResponse", f"/events/{HIST_EVENT}", {}
    yield "GetMarketsResponse", "/markets", {"limit": 1000}
    yield "GetMarketsResponse", "/markets", {"status": "unopened"}
    yield "GetMarketResponse", f"/markets/{live[0]}", {}
    yield "GetMarketResponse", f"/markets/{_tickers(http, SETTLED_EVENT)[3]}", {}
    yield "GetMarketOrderbookResponse", f"/markets/{live[2]}/orderbook", {}
    yield "GetMarketOrderbookResponse", f"/markets/{_tickers(http, SETTLED_EVENT)[2]}/orderbook", {}
    yield "GetMarketOrderbooksResponse", "/markets/orderbooks", {"tickers": live}
    yield "GetTradesResponse", "/markets/trades", {"limit": 200}
    yield "GetTradesResponse", "/historical/trades", {"limit": 200}
    yield (
        "GetMarketCandlesticksResponse",
        f"/series/KXHIGHNY/markets/{live[2]}/candlesticks",
        candles,
    )
    yield (
        "GetMarketCandlesticksResponse",
        f"/series/KXHIGHNY/markets/{live[2]}/candlesticks",
        {**candles, "period_interval": 1, "include_latest_before_start": "true"},
    )
    yield (
        "BatchGetMarketCandlesticksResponse",
        "/markets/candlesticks",
        {**candles, "market_tickers": ",".join(live)},
    )
    yield (
        "GetEventCandlesticksResponse",
        f"/series/KXHIGHNY/events/{LIVE_EVENT}/candlesticks",
        candles,
    )
    yield "GetHistoricalCutoffResponse", "/historical/cutoff", {}
    yield "GetMarketsResponse", "/historical/markets", {"limit": 50}
    yield "GetMarketResponse", f"/historical/markets/{hist[1]}", {}
    yield (
        "GetMarketCandlesticksHistoricalResponse",
        f"/historical/markets/{hist[1]}/candlesticks",
        {"start_ts": 1794000000, "end_ts": 1794000000 + 60 * 86400, "period_interval": 1440},
    )
    yield (
        "GetMarketCandlesticksHistoricalResponse",
        f"/historical/markets/{hist[1]}/candlesticks",
        {"start_ts": 1794500000, "end_ts": 1794500000 + 4 * 86400, "period_interval": 60},
    )
    yield "ExchangeStatus", "/exchange/status", {}
    yield "GetExchangeScheduleResponse", "/exchange/schedule", {}
    yield "ErrorResponse", "/markets/NOPE-1", {}
    yield "ErrorResponse", "/markets", {"limit": -1}


def test_every_fixed_response_validates_against_sdk_334(http: httpx.Client) -> None:
    seen = set()
    for name, path, params in _cases(http):
        resp = http.get(path, params=params)
        assert resp.status_code == (
            400
            if name == "ErrorResponse" and "limit" in params
            else 404
            if name == "ErrorResponse"
            else 200
        ), (path, resp.text)
        _check(name, resp.json())
        seen.add(name)
    assert len(seen) == 18


def test_candles_have_content(http: httpx.Client) -> None:
    live = _tickers(http, LIVE_EVENT)
    body = http.get(
        f"/series/KXHIGHNY/markets/{live[2]}/candlesticks",
        params={"start_ts": START, "end_ts": END, "period_interval": 60},
    ).json()
    traded = [c for c in body["candlesticks"] if "close_dollars" in c["price"]]
    quiet = [c for c in body["candlesticks"] if "close_dollars" not in c["price"]]
    assert traded and all("mean_dollars" in c["price"] for c in traded)
    assert all(c["volume_fp"] == "0.00" for c in quiet)


def test_historical_candles_use_unsuffixed_strings(http: httpx.Client) -> None:
    hist = http.get("/historical/markets", params={"event_ticker": HIST_EVENT}).json()["markets"]
    body = http.get(
        f"/historical/markets/{hist[2]['ticker']}/candlesticks",
        params={"start_ts": 1794500000, "end_ts": 1794500000 + 20 * 86400, "period_interval": 60},
    ).json()
    quiet = [c for c in body["candlesticks"] if c["price"]["close"] is None]
    assert quiet and set(quiet[0]["price"]) == {"open", "high", "low", "close", "mean", "previous"}
    assert isinstance(body["candlesticks"][0]["volume"], str)


@pytest.fixture(scope="module")
def legacy() -> Iterator[dict[str, SimServer]]:
    with (
        SimServer(frozen_config(wire_era="dual")) as dual,
        SimServer(frozen_config(wire_era="cents")) as cents,
    ):
        yield {"dual": dual, "cents": cents}


def test_dual_era_has_cents_and_dollars(legacy: dict[str, SimServer]) -> None:
    with httpx.Client(base_url=legacy["dual"].base_url) as http:
        live = _tickers(http, LIVE_EVENT)
        m = http.get(f"/markets/{live[2]}").json()["market"]
        assert isinstance(m["yes_bid"], int) and m["yes_bid_dollars"] == f"0.{m['yes_bid']:02d}00"
        assert m["response_price_units"] == "usd_cent" and m["notional_value"] == 100
        assert isinstance(m["volume"], int) and "volume_fp" in m
        assert "settlement_bounds_type" not in m
        book = http.get(f"/markets/{live[2]}/orderbook").json()
        level = book["orderbook"]["yes"][-1]
        assert isinstance(level[0], int) and isinstance(level[1], int)
        assert book["orderbook"]["yes_dollars"][-1] == [f"0.{level[0]:02d}00", level[1]]
        assert book["orderbook_fp"]["yes_dollars"][-1][1] == f"{level[1]}.00"
        trade = http.get("/markets/trades", params={"limit": 1}).json()["trades"][0]
        assert {
            "count",
            "yes_price",
            "no_price",
            "count_fp",
            "yes_price_dollars",
            "taker_side",
        } <= set(trade)
        candle = http.get(
            f"/series/KXHIGHNY/markets/{live[2]}/candlesticks",
            params={"start_ts": START, "end_ts": END, "period_interval": 60},
        ).json()["candlesticks"][0]
        assert isinstance(candle["yes_bid"]["open"], int) and "open_dollars" in candle["yes_bid"]
        assert isinstance(candle["volume"], int) and "volume_fp" in candle


def test_cents_era_has_only_integers(legacy: dict[str, SimServer]) -> None:
    with httpx.Client(base_url=legacy["cents"].base_url) as http:
        live = _tickers(http, LIVE_EVENT)
        m = http.get(f"/markets/{live[2]}").json()["market"]
        assert not [k for k in m if k.endswith(("_dollars", "_fp"))]
        assert isinstance(m["yes_bid"], int) and isinstance(m["open_interest"], int)
        book = http.get(f"/markets/{live[2]}/orderbook").json()
        assert set(book) == {"orderbook"} and set(book["orderbook"]) == {"yes", "no"}
        trade = http.get("/markets/trades", params={"limit": 1}).json()["trades"][0]
        assert not [k for k in trade if k.endswith(("_dollars", "_fp"))]
        settled = http.get(f"/events/{SETTLED_EVENT}").json()["markets"]
        assert {s["status"] for s in settled} == {"settled"}
        assert sorted(s["settlement_value"] for s in settled) == [0, 0, 0, 0, 0, 100]


def test_one_seed_same_market_in_every_era(legacy: dict[str, SimServer]) -> None:
    with SimServer(frozen_config(whole_contracts=True)) as fixed:
        a = httpx.get(f"{fixed.base_url}/events/{LIVE_EVENT}").json()["markets"]
        b = httpx.get(f"{legacy['cents'].base_url}/events/{LIVE_EVENT}").json()["markets"]
        c = httpx.get(f"{legacy['dual'].base_url}/events/{LIVE_EVENT}").json()["markets"]
    for x, y, z in zip(a, b, c, strict=True):
        assert x["yes_bid_dollars"] == f"0.{y['yes_bid']:02d}00" == z["yes_bid_dollars"]
        assert x["volume_fp"] == f"{y['volume']}.00"
        assert x["open_interest_fp"] == f"{y['open_interest']}.00"


# Enum checks the SDK 3.34 models enforce in field validators (absent from the JSON Schemas).
MARKET_ENUMS = {
    "market_type": {"binary", "scalar"},
    "status": {
        "initialized",
        "inactive",
        "active",
        "closed",
        "determined",
        "disputed",
        "amended",
        "finalized",
    },
    "result": {"yes", "no", "scalar", ""},
    "settlement_bounds_type": {"default", "floor"},
    "strike_type": {
        "greater",
        "greater_or_equal",
        "less",
        "less_or_equal",
        "between",
        "functional",
        "custom",
        "structured",
    },
}


def test_sdk_enum_values(http: httpx.Client) -> None:
    markets = http.get("/markets", params={"limit": 1000}).json()["markets"]
    markets += http.get("/historical/markets", params={"limit": 1000}).json()["markets"]
    seen_status = set()
    for market in markets:
        for name, allowed in MARKET_ENUMS.items():
            assert market[name] in allowed, (name, market[name])
        seen_status.add(market["status"])
    assert {"initialized", "active", "finalized"} <= seen_status
    for trade in http.get("/markets/trades", params={"limit": 1000}).json()["trades"]:
        assert trade["taker_outcome_side"] in ("yes", "no") and trade["taker_side"] in ("yes", "no")
        assert trade["taker_book_side"] in ("bid", "ask")
    for series in http.get("/series").json()["series"]:
        assert series["fee_type"] in (
            "quadratic",
            "quadratic_with_maker_fees",
            "quadratic_with_combo_maker_fees",
            "flat",
        )
