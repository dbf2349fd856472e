"""REST behaviour of the simulator over loopback: shapes, limits, errors, pagination, split."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kalshi_tape.sim.server import SimServer


def _all_pages(http: httpx.Client, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(1000):
        resp = http.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        rows.extend(body[key])
        cursor = body["cursor"]
        if not cursor:
            return rows
    raise AssertionError("pagination did not end")


def test_series_list_and_one(http: httpx.Client) -> None:
    series = http.get("/series").json()["series"]
    assert [s["ticker"] for s in series] == [
        "KXHIGHNY",
        "KXHIGHCHI",
        "KXHIGHMIA",
        "KXHIGHAUS",
        "KXHIGHDEN",
        "KXHIGHLAX",
        "KXHIGHPHIL",
    ]
    assert http.get("/series", params={"category": "Economics"}).json()["series"] == []
    one = http.get("/series/KXHIGHNY").json()["series"]
    assert one["frequency"] == "daily" and one["fee_type"] == "quadratic"
    assert http.get("/series/NOPE").status_code == 404


def test_event_and_market_ticker_grammar(http: httpx.Client) -> None:
    body = http.get("/events/KXHIGHNY-26NOV21", params={"with_nested_markets": "true"}).json()
    event, markets = body["event"], body["markets"]
    assert event["event_ticker"] == "KXHIGHNY-26NOV21" and event["mutually_exclusive"] is True
    assert [m["ticker"] for m in event["markets"]] == [m["ticker"] for m in markets]
    kinds = [m["strike_type"] for m in markets]
    assert kinds == ["less", "between", "between", "between", "between", "greater"]
    low = markets[0]["cap_strike"]
    assert markets[0]["ticker"].endswith(f"-T{low}") and "floor_strike" not in markets[0]
    for k, m in enumerate(markets[1:5]):
        assert m["floor_strike"] == low + 2 * k and m["cap_strike"] == low + 2 * k + 1
        assert m["ticker"].endswith(f"-B{low + 2 * k}.5")
        assert m["yes_sub_title"] == f"{low + 2 * k}° to {low + 2 * k + 1}°"
    assert (
        markets[5]["floor_strike"] == low + 7
        and markets[5]["yes_sub_title"] == f"{low + 8}° or above"
    )
    # NYC climate day in EST all year: closes 04:59Z the next day, opens 10:00 local the day before
    assert markets[0]["close_time"] == "2026-11-22T04:59:00Z"
    assert markets[0]["open_time"] == "2026-11-20T15:00:00Z"
    assert "Central Park" in markets[0]["rules_primary"] or "CLINYC" in markets[0]["rules_primary"]


def test_market_statuses_follow_the_clock(http: httpx.Client) -> None:
    def status(ticker_event: str) -> str:
        return http.get(f"/events/{ticker_event}").json()["markets"][0]["status"]

    assert status("KXHIGHNY-26NOV23") == "active"  # opened 15:00Z today
    assert status("KXHIGHNY-26NOV22") == "active"
    assert status("KXHIGHNY-26NOV21") == "finalized"  # closed 05:00Z, settled ~11:00Z
    assert http.get("/events/KXHIGHNY-26NOV24").status_code == 404  # not created yet


def test_limits_and_bad_parameters(http: httpx.Client) -> None:
    for path, params in [
        ("/markets", {"limit": "1001"}),
        ("/markets", {"limit": "x"}),
        ("/markets", {"status": "weird"}),
        ("/markets", {"min_close_ts": "1", "min_created_ts": "1"}),
        ("/markets", {"status": "open", "min_close_ts": "1"}),
        ("/events", {"limit": "201"}),
        ("/events", {"limit": "0"}),
        ("/markets/trades", {"limit": "1001"}),
        ("/markets", {"cursor": "%%%not-base64"}),
        ("/markets/KXHIGHNY-26NOV22-T40/orderbook", {"depth": "101"}),
        ("/historical/markets", {"series_ticker": "KXHIGHNY", "event_ticker": "KXHIGHNY-26NOV10"}),
    ]:
        resp = http.get(path, params=params)
        assert resp.status_code == 400, (path, params, resp.text)
        error = resp.json()["error"]
        assert error["code"] == "invalid_parameters" and error["message"]


def test_status_filters_are_each_routes_own(http: httpx.Client) -> None:
    """/events and /markets each check `status` against their own set (no `paused` event)."""
    for path, good, bad in [("/events", "settled", "paused"), ("/markets", "paused", "weird")]:
        assert http.get(path, params={"status": good}).status_code == 200, path
        resp = http.get(path, params={"status": bad})
        assert resp.status_code == 400, (path, resp.text)
        assert resp.json()["error"]["code"] == "invalid_parameters"


def test_not_found_bodies(http: httpx.Client) -> None:
    for path in ["/markets/KXHIGHNY-26NOV22-B99.5", "/events/KXHIGHNY-99XXX01", "/nope"]:
        resp = http.get(path)
        assert resp.status_code == 404
        assert resp.json()["error"]["code"] == "not_found"


def test_markets_pagination_returns_every_row_once(http: httpx.Client) -> None:
    rows = _all_pages(http, "/markets", "markets", limit=37)
    tickers = [m["ticker"] for m in rows]
    assert len(tickers) == len(set(tickers))
    one_page = http.get("/markets", params={"limit": 1000}).json()
    assert [m["ticker"] for m in one_page["markets"]] == tickers and one_page["cursor"] == ""


def test_events_pagination_and_filters(http: httpx.Client) -> None:
    rows = _all_pages(http, "/events", "events", limit=9)
    tickers = [e["event_ticker"] for e in rows]
    assert (
        len(tickers) == len(set(tickers)) == 7 * 14
    )  # Nov 10 (today - 12 days) .. Nov 23 (tomorrow)
    ny = _all_pages(http, "/events", "events", series_ticker="KXHIGHNY", status="settled")
    assert ny and all(e["series_ticker"] == "KXHIGHNY" for e in ny)


def test_live_historical_split_is_a_partition(http: httpx.Client, sim: SimServer) -> None:
    live = {m["ticker"] for m in _all_pages(http, "/markets", "markets", limit=500)}
    hist = {m["ticker"] for m in _all_pages(http, "/historical/markets", "markets", limit=500)}
    assert live and hist and not live & hist
    assert len(live | hist) == 7 * 14 * 6
    cutoff = http.get("/historical/cutoff").json()["market_settled_ts"]
    for m in _all_pages(
        http, "/historical/markets", "markets", limit=1000, series_ticker="KXHIGHNY"
    ):
        assert m["settlement_ts"] < cutoff and m["status"] == "finalized"
    some_hist = sorted(hist)[0]
    assert http.get(f"/markets/{some_hist}").status_code == 404
    assert http.get(f"/historical/markets/{some_hist}").status_code == 200
    assert http.get(f"/historical/markets/{sorted(live)[0]}").status_code == 404


def test_trades_pagination_split_and_order(http: httpx.Client) -> None:
    cutoff = http.get("/historical/cutoff").json()["trades_created_ts"]
    event = http.get("/events/KXHIGHNY-26NOV17").json()["markets"]
    ticker = event[2]["ticker"]
    live = _all_pages(http, "/markets/trades", "trades", limit=50, ticker=ticker)
    hist = _all_pages(http, "/historical/trades", "trades", limit=50, ticker=ticker)
    assert live and hist
    assert all(t["created_time"] >= cutoff for t in live)
    assert all(t["created_time"] < cutoff for t in hist)
    both = live + hist
    times = [t["created_time"] for t in both]
    assert times == sorted(times, reverse=True)
    assert len({t["trade_id"] for t in both}) == len(both)


def test_all_trades_across_markets_paginate_exactly_once(http: httpx.Client) -> None:
    cutoff = http.get("/historical/cutoff").json()["trades_created_ts"]
    from datetime import datetime

    lo = int(datetime.fromisoformat(cutoff.replace("Z", "+00:00")).timestamp())
    rows = _all_pages(http, "/markets/trades", "trades", limit=1000, min_ts=lo, max_ts=lo + 86400)
    ids = [t["trade_id"] for t in rows]
    assert len(ids) == len(set(ids)) > 100
    small = _all_pages(http, "/markets/trades", "trades", limit=97, min_ts=lo, max_ts=lo + 86400)
    assert [t["trade_id"] for t in small] == ids


def test_orderbook_depth_and_shape(http: httpx.Client, sim: SimServer) -> None:
    ticker = http.get("/events/KXHIGHNY-26NOV22").json()["markets"][2]["ticker"]
    full = http.get(f"/markets/{ticker}/orderbook").json()["orderbook_fp"]
    top = http.get(f"/markets/{ticker}/orderbook", params={"depth": 2}).json()["orderbook_fp"]
    assert full["yes_dollars"] and full["no_dollars"]
    assert top["yes_dollars"] == full["yes_dollars"][-2:]
    prices = [p for p, _ in full["yes_dollars"]]
    assert prices == sorted(prices)
    market = http.get(f"/markets/{ticker}").json()["market"]
    assert market["yes_bid_dollars"] == full["yes_dollars"][-1][0]
    assert market["yes_bid_size_fp"] == full["yes_dollars"][-1][1]
    best_no = full["no_dollars"][-1][0]
    assert market["yes_ask_dollars"] == f"{1 - float(best_no):.4f}"
    multi = http.get("/markets/orderbooks", params=[("tickers", ticker), ("tickers", ticker)])
    assert multi.json()["orderbooks"][0]["orderbook_fp"] == full
    admin = httpx.get(f"{sim.admin_url}/book/{ticker}").json()
    assert admin == {"yes": full["yes_dollars"], "no": full["no_dollars"]}


def test_candle_limits(http: httpx.Client) -> None:
    ticker = http.get("/events/KXHIGHNY-26NOV22").json()["markets"][1]["ticker"]
    base = {"start_ts": 0, "period_interval": 1}
    path = f"/series/KXHIGHNY/markets/{ticker}/candlesticks"
    assert http.get(path, params={**base, "end_ts": 5000 * 60 - 1}).status_code == 200
    assert http.get(path, params={**base, "end_ts": 5001 * 60}).status_code == 400
    assert http.get(path, params={**base, "end_ts": 60, "period_interval": 5}).status_code == 400
    assert http.get(path, params={"start_ts": 0, "period_interval": 1}).status_code == 400
    tickers = ",".join([ticker] * 3)
    batch = {"market_tickers": tickers, "start_ts": 0, "period_interval": 1}
    assert (
        http.get("/markets/candlesticks", params={**batch, "end_ts": 3333 * 60 - 1}).status_code
        == 200
    )
    assert (
        http.get("/markets/candlesticks", params={**batch, "end_ts": 3334 * 60}).status_code == 400
    )
    many = {**batch, "market_tickers": ",".join([ticker] * 101), "end_ts": 60}
    assert http.get("/markets/candlesticks", params=many).status_code == 400


def test_event_candles_truncate_with_adjusted_end(http: httpx.Client) -> None:
    markets = http.get("/events/KXHIGHNY-26NOV22").json()["markets"]
    start = int(
        __import__("datetime")
        .datetime.fromisoformat(markets[0]["open_time"].replace("Z", "+00:00"))
        .timestamp()
    )
    end = start + 3 * 86400
    path = "/series/KXHIGHNY/events/KXHIGHNY-26NOV22/candlesticks"
    body = http.get(path, params={"start_ts": start, "end_ts": end, "period_interval": 1}).json()
    assert body["adjusted_end_ts"] == start + (5000 // 6 - 1) * 60
    assert body["market_tickers"] == [m["ticker"] for m in markets]
    served = [c["end_period_ts"] for cs in body["market_candlesticks"] for c in cs]
    assert served and max(served) <= body["adjusted_end_ts"]
    hourly = http.get(path, params={"start_ts": start, "end_ts": end, "period_interval": 60}).json()
    assert hourly["adjusted_end_ts"] == end


@pytest.mark.parametrize("path", ["/exchange/status", "/exchange/schedule", "/historical/cutoff"])
def test_exchange_endpoints(http: httpx.Client, path: str) -> None:
    assert http.get(path).status_code == 200


def test_admin_stats_count_requests(sim: SimServer, http: httpx.Client) -> None:
    before = httpx.get(f"{sim.admin_url}/stats").json()
    http.get("/markets/NOPE-1")
    http.get("/exchange/status")
    after = httpx.get(f"{sim.admin_url}/stats").json()
    assert after["requests_total"] == before["requests_total"] + 2
    assert after["responses_by_status"]["404"] >= 1
    assert after["requests_by_route"]["/trade-api/v2/markets/{ticker}"] >= 1
    assert set(after["ws"]) >= {"frames_sent", "disconnects", "seq_gaps", "malformed"}


def test_include_latest_before_start(http: httpx.Client, sim: SimServer) -> None:
    ticker = http.get("/events/KXHIGHNY-26NOV22").json()["markets"][2]["ticker"]
    found = sim.exchange.find_market(ticker)
    assert found is not None
    tl = sim.exchange.market_timeline(*found)
    quiet = next(
        (q, i)
        for i, q in enumerate(tl.quote_ts[:-1])
        if tl.quote_ts[i + 1] > q + 240
        and not any(q < us // 1_000_000 <= q + 240 for us in tl.trade_us)
        and q + 240 < sim.exchange.now_s
    )
    q, i = quiet
    start = q + 61
    first_end = -(-start // 60) * 60
    params = {"start_ts": start, "end_ts": start + 3600, "period_interval": 1}
    path = f"/series/KXHIGHNY/markets/{ticker}/candlesticks"
    plain = http.get(path, params=params).json()["candlesticks"]
    latest = http.get(path, params={**params, "include_latest_before_start": "true"}).json()
    synthetic = latest["candlesticks"][0]
    assert not plain or plain[0]["end_period_ts"] != first_end
    assert synthetic["end_period_ts"] == first_end and latest["candlesticks"][1:] == plain
    assert synthetic["yes_bid"]["close_dollars"] == f"{tl.quotes[i][0] / 100:.4f}"
    assert "close_dollars" not in synthetic["price"] and synthetic["volume_fp"] == "0.00"
    before = [t for t in tl.trades if t.created_us <= q * 1_000_000]
    if before:
        assert synthetic["price"]["previous_dollars"] == f"{before[-1].yes_cents / 100:.4f}"
