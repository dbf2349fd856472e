"""Serving what the warehouse holds: own candles first, exact formats, pages, order books."""

from __future__ import annotations

import csv as csvlib
import io
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from kalshi_tape.api import create_app
from kalshi_tape.client import SyncKalshiClient
from kalshi_tape.core.domain import OrderbookDelta, OrderbookSnapshot
from kalshi_tape.core.money import Count, Price
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import CandleRecord, MarketSnapshotRow, SequenceGapRow, Store
from tests.api.conftest import SETTLED_EVENT, api_settings, sim_clock

TICKER = "KXHIGHNY-26NOV17-B57.5"


@pytest.fixture()
def own(sim: SimServer, store: Store) -> TestClient:
    """Candles of one market stored as our own (source 'trades'); fetch-through off."""
    with SyncKalshiClient(Settings(base_url=sim.base_url, tier="unlimited")) as client:
        event = client.get_event(SETTLED_EVENT)
        got = client.get_market_candlesticks(
            "KXHIGHNY",
            TICKER,
            start_ts=_ts("2026-11-16T15:00"),
            end_ts=_ts("2026-11-18T04:00"),
            period_interval=1,
        )
    store.commit_chunk(markets=event.markets)
    store.commit_chunk(candles=[CandleRecord(TICKER, 1, "trades", c) for c in got.candlesticks])
    app = create_app(
        api_settings(sim.base_url, fetch_through=False), store=store, clock=sim_clock()
    )
    return TestClient(app)


def test_own_candles_come_first_in_every_format(own: TestClient, store: Store) -> None:
    body = own.get(f"/v1/candles/{TICKER}").json()
    assert body["source"] == "trades"
    # no coverage record says these are all of them: not complete (fetch-through is off)
    assert body["complete"] is False and body["reason"].startswith("partial:")
    stored = store.candles(market_ticker=TICKER, period_minutes=1)
    assert len(body["candles"]) == stored.num_rows > 100
    first = body["candles"][0]
    assert first["volume"].count(".") == 1 and len(first["volume"].split(".")[1]) == 2
    if first["yes_bid_close"] is not None:
        assert Decimal(first["yes_bid_close"]) == stored.column("yes_bid_close")[0].as_py()

    csv = own.get(f"/v1/candles/{TICKER}", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["X-Candle-Source"] == "trades"
    rows = list(csvlib.DictReader(io.StringIO(csv.text)))
    assert len(rows) == stored.num_rows
    assert list(rows[0])[:4] == ["market_ticker", "period_minutes", "source", "end_period_ts"]
    assert rows[0]["source"] == "trades" and rows[0]["end_period_ts"].endswith(":00Z")
    assert rows[0]["volume"] == body["candles"][0]["volume"]

    parquet = own.get(f"/v1/candles/{TICKER}", params={"format": "parquet"})
    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.equals(stored.drop_columns(["ingested_at"]))  # exact decimals, same rows

    window = own.get(
        f"/v1/candles/{TICKER}",
        params={"start": "2026-11-16T20:00:00Z", "end": "2026-11-16T20:59:00Z"},
    )
    assert window.status_code == 200
    inside = [c["end_period_ts"] for c in window.json()["candles"]]
    assert 0 < len(inside) <= 60
    assert all("2026-11-16T20:00:00Z" <= t <= "2026-11-16T20:59:00Z" for t in inside)

    nothing = own.get(f"/v1/candles/{TICKER}", params={"source": "kalshi"})
    assert nothing.status_code == 404 and nothing.json()["code"] == "not_stored"
    bad = own.get(f"/v1/candles/{TICKER}", params={"start": "2026-01-02", "end": "2026-01-01"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_parameter"


def test_catalog_pages_with_cursor(own: TestClient) -> None:
    seen, cursor = [], None
    while True:
        params = {"event_ticker": SETTLED_EVENT, "limit": 4}
        if cursor:
            params["cursor"] = cursor
        page = own.get("/v1/markets", params=params).json()
        seen += [row["ticker"] for row in page["rows"]]
        cursor = page["cursor"]
        if cursor is None:
            break
    assert len(seen) == 6 and seen == sorted(seen)
    market = own.get(f"/v1/markets/{TICKER}").json()["row"]
    assert market["event_ticker"] == SETTLED_EVENT and "raw_json" not in market
    assert own.get("/v1/markets", params={"cursor": "garbage!"}).status_code == 422
    assert own.get("/v1/markets/NOPE").status_code == 404


def test_orderbook_at_a_moment(own: TestClient, store: Store) -> None:
    """Through the collector's rebuild: base snapshot, then the tape; a gap: unknown."""
    p, c = Price, Count
    base = _ts("2026-11-17T17:00") * 10**9
    snap = OrderbookSnapshot(
        sid=1,
        seq=1,
        market_ticker=TICKER,
        yes=((p("0.4100"), c("10.00")), (p("0.4200"), c("5.00"))),
        no=((p("0.5500"), c("7.00")),),
        received_ns=base,
    )
    deltas = [
        OrderbookDelta(1, 2, TICKER, p("0.4200"), c("-5.00"), "yes", received_ns=base + 10),
        OrderbookDelta(1, 3, TICKER, p("0.4300"), c("2.50"), "yes", received_ns=base + 20),
    ]
    store.commit_chunk(
        market_snapshots=[MarketSnapshotRow(TICKER, base, "snapshot")],
        orderbook_snapshots=[snap],
        orderbook_deltas=deltas,
    )
    at = {"at": "2026-11-17T17:20:00Z"}
    book = own.get(f"/v1/markets/{TICKER}/orderbook", params=at)
    assert book.status_code == 200, book.text
    body = book.json()
    assert body["yes"] == [["0.4100", "10.00"], ["0.4300", "2.50"]]
    assert body["no"] == [["0.5500", "7.00"]]
    assert body["deltas_applied"] == 2 and body["snapshot_at"] == "2026-11-17T17:00:00Z"
    early = own.get(f"/v1/markets/{TICKER}/orderbook", params={"at": "2026-11-17T16:59:00Z"})
    assert early.status_code == 404 and early.json()["code"] == "book_unknown"
    # a gap after the snapshot: the book cannot be known, and the API says why
    store.commit_chunk(sequence_gaps=[SequenceGapRow(base + 15, "gap", 1, TICKER, 2, 4)])
    unknown = own.get(f"/v1/markets/{TICKER}/orderbook", params=at)
    assert unknown.status_code == 404 and "gap" in unknown.json()["message"]


def _ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def test_gzip_and_the_response_cache(sim: SimServer, store: Store) -> None:
    app = create_app(
        api_settings(sim.base_url, fetch_through=False, response_cache_ttl_s=60),
        store=store,
        clock=sim_clock(),
    )
    client = TestClient(app)
    store.commit_chunk(
        candles=[
            CandleRecord(TICKER, 60, "trades", c)
            for c in _sim_candles(sim, 60, "2026-11-16T15:00", "2026-11-18T04:00")
        ]
    )
    url = f"/v1/candles/{TICKER}?period=60"
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert zipped.json() == plain.json() and plain.headers["vary"] == "Accept-Encoding"
    again = client.get(url, headers={"Accept-Encoding": "identity"})
    assert again.content == plain.content and again.headers["X-Candle-Source"] == "trades"
    metrics = client.get("/metrics").text
    assert 'ktape_api_requests_total{route="cache-hit",status="200"} 1.0' in metrics


def _sim_candles(sim: SimServer, period: int, start: str, end: str) -> list:  # type: ignore[type-arg]
    with SyncKalshiClient(Settings(base_url=sim.base_url, tier="unlimited")) as client:
        got = client.get_market_candlesticks(
            "KXHIGHNY", TICKER, start_ts=_ts(start), end_ts=_ts(end), period_interval=period
        )
    return list(got.candlesticks)


def test_content_negotiation_over_http(own: TestClient) -> None:
    url = f"/v1/candles/{TICKER}?period=1"
    csv_body = own.get(url, headers={"Accept": "text/csv"})
    assert csv_body.status_code == 200
    assert csv_body.headers["content-type"].startswith("text/csv")
    refused = own.get(url, headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert "application/vnd.apache.parquet" in refused.json()["message"]
    assert own.get(url + "&format=csv", headers={"Accept": "application/json"}).status_code == 406
    no_coding = own.get(url, headers={"Accept-Encoding": "br, identity;q=0"})
    assert no_coding.status_code == 406
    gz = own.get(url, headers={"Accept-Encoding": "gzip, identity;q=0"})
    assert gz.status_code == 200 and gz.headers["content-encoding"] == "gzip"
