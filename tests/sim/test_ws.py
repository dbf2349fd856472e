"""WebSocket protocol over loopback: commands, errors, snapshot+delta books, seq, faults."""

from __future__ import annotations

import asyncio
import itertools
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
import websockets

from kalshi_tape.sim.server import SimServer
from tests.shared_data import SHARED

from .conftest import frozen_config

EVENT = "KXHIGHNY-26NOV22"
DOCS = SHARED / "kalshi/docs_snapshot_2026-08-22/websockets"
# msg keys that legitimately appear only in some frames of a type
CONTEXTUAL = {
    "ticker": {"last_trade_size_fp"},  # only on trade-driven updates
    "orderbook_snapshot": {"yes_dollars_fp", "no_dollars_fp"},  # absent when a side is empty
    "market_lifecycle_v2": {
        "additional_metadata",
        "close_ts",
        "exchange_index",
        "open_ts",
        "price_level_structure",
        "result",
        "determination_ts",
        "settlement_value",
        "settled_ts",
    },
}
EXTRA_OK = {"trade": {"taker_outcome_side", "taker_book_side"}}


def _doc_examples() -> dict[str, dict[str, Any]]:
    """The server-frame examples of the docs snapshot's channel pages, by `type`."""
    out: dict[str, dict[str, Any]] = {}
    for page in sorted(DOCS.glob("*.md")):
        lines = page.read_text().split("\n")
        for i, line in enumerate(lines):
            if line.strip() != "example: |-":
                continue
            indent = len(line) - len(line.lstrip())
            body = []
            for nxt in lines[i + 1 :]:
                if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
                    break
                body.append(nxt)
            example = json.loads("\n".join(body))
            if "type" in example and example["type"] not in out:
                out[example["type"]] = example
    return out


EXAMPLES = _doc_examples()


def assert_like_docs(frame: dict[str, Any]) -> None:
    kind = frame["type"]
    example = EXAMPLES[kind]
    optional_top = {"id", "seq", "sid"} if kind in ("ok", "unsubscribed") else {"id"}
    assert set(frame) - optional_top == set(example) - optional_top, kind
    if isinstance(example.get("msg"), dict) and isinstance(frame.get("msg"), dict):
        mine, theirs = set(frame["msg"]), set(example["msg"])
        contextual = CONTEXTUAL.get(kind, set())
        assert theirs - contextual <= mine, (kind, theirs - mine)
        assert mine <= theirs | contextual | EXTRA_OK.get(kind, set()), (kind, mine - theirs)


async def _recv_all(ws: Any, quiet_s: float = 0.3, limit_s: float = 5.0) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while loop.time() < deadline:
        try:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), quiet_s)))
        except TimeoutError:
            break
    return frames


def _tickers(sim: SimServer) -> list[str]:
    markets = httpx.get(f"{sim.base_url}/events/{EVENT}").json()["markets"]
    return [m["ticker"] for m in markets]


async def test_commands_and_errors(sim: SimServer) -> None:
    tickers = _tickers(sim)
    async with websockets.connect(sim.ws_url) as ws:
        for cmd in [
            "not json",
            {"id": 2, "cmd": "nope"},
            {"id": 3, "cmd": "subscribe"},
            {"id": 4, "cmd": "subscribe", "params": {"channels": []}},
            {"id": 5, "cmd": "subscribe", "params": {"channels": ["bogus"]}},
            {"id": 6, "cmd": "subscribe", "params": {"channels": ["orderbook_delta"]}},
            {"id": 7, "cmd": "unsubscribe", "params": {"sids": []}},
            {
                "id": 8,
                "cmd": "update_subscription",
                "params": {"sids": [1, 2], "action": "add_markets"},
            },
            {
                "id": 9,
                "cmd": "update_subscription",
                "params": {"sid": 99, "action": "add_markets", "market_tickers": tickers},
            },
            {"id": 10, "cmd": "update_subscription", "params": {"sid": 1, "action": "explode"}},
        ]:
            await ws.send(cmd if isinstance(cmd, str) else json.dumps(cmd))
        frames = await _recv_all(ws)
        for frame in frames:
            assert_like_docs(frame)
        codes = [(f.get("id"), f["msg"]["code"]) for f in frames if f["type"] == "error"]
        assert codes == [
            (None, 1),
            (2, 5),
            (3, 2),
            (4, 3),
            (5, 8),
            (6, 14),
            (7, 4),
            (8, 12),
            (9, 7),
            (10, 13),
        ]

        await ws.send(
            json.dumps(
                {
                    "id": 11,
                    "cmd": "subscribe",
                    "params": {"channels": ["orderbook_delta"], "market_tickers": tickers[:2]},
                }
            )
        )
        await ws.send(
            json.dumps({"id": 12, "cmd": "subscribe", "params": {"channels": ["ticker", "trade"]}})
        )
        await ws.send(json.dumps({"id": 13, "cmd": "list_subscriptions"}))
        frames = await _recv_all(ws)
        for frame in frames:
            assert_like_docs(frame)
        subscribed = [f for f in frames if f["type"] == "subscribed"]
        assert [(f["id"], f["msg"]["channel"]) for f in subscribed] == [
            (11, "orderbook_delta"),
            (12, "ticker"),
            (12, "trade"),
        ]
        book_sid = subscribed[0]["msg"]["sid"]
        snaps = [f for f in frames if f["type"] == "orderbook_snapshot"]
        assert [s["msg"]["market_ticker"] for s in snaps] == tickers[:2]
        assert [s["seq"] for s in snaps] == [1, 2] and {s["sid"] for s in snaps} == {book_sid}
        listed = next(f for f in frames if f["type"] == "ok" and f.get("id") == 13)
        assert {x["channel"] for x in listed["msg"]} == {"orderbook_delta", "ticker", "trade"}

        await ws.send(
            json.dumps(
                {
                    "id": 14,
                    "cmd": "update_subscription",
                    "params": {
                        "sids": [book_sid],
                        "market_tickers": [tickers[2]],
                        "action": "add_markets",
                    },
                }
            )
        )
        await ws.send(
            json.dumps(
                {
                    "id": 15,
                    "cmd": "update_subscription",
                    "params": {
                        "sid": book_sid,
                        "market_tickers": [tickers[0]],
                        "action": "delete_markets",
                    },
                }
            )
        )
        await ws.send(
            json.dumps(
                {
                    "id": 16,
                    "cmd": "update_subscription",
                    "params": {
                        "sid": book_sid,
                        "market_tickers": [tickers[1]],
                        "action": "get_snapshot",
                    },
                }
            )
        )
        await ws.send(json.dumps({"id": 17, "cmd": "unsubscribe", "params": {"sids": [book_sid]}}))
        frames = await _recv_all(ws)
        for frame in frames:
            assert_like_docs(frame)
        oks = {f["id"]: f for f in frames if f["type"] == "ok"}
        assert oks[14]["msg"]["market_tickers"] == sorted(tickers[:3])
        assert oks[15]["msg"]["market_tickers"] == sorted(tickers[1:3])
        snaps = [f for f in frames if f["type"] == "orderbook_snapshot"]
        assert [(s["msg"]["market_ticker"], s["seq"]) for s in snaps] == [
            (tickers[2], 3),
            (tickers[1], 4),
        ]
        unsub = next(f for f in frames if f["type"] == "unsubscribed")
        assert unsub == {"type": "unsubscribed", "id": 17, "sid": book_sid, "seq": 4}


def _apply(book: dict[str, dict[Decimal, Decimal]], msg: dict[str, Any]) -> None:
    side = book[msg["side"]]
    price = Decimal(msg["price_dollars"])
    size = side.get(price, Decimal(0)) + Decimal(msg["delta_fp"])
    assert size >= 0
    if size:
        side[price] = size
    else:
        side.pop(price, None)


@pytest.fixture(scope="module")
def running() -> Any:
    with SimServer(frozen_config(speed=240.0)) as server:
        yield server


async def test_snapshot_plus_deltas_equal_true_book(running: SimServer) -> None:
    tickers = _tickers(running)
    async with websockets.connect(running.ws_url) as ws:
        await ws.send(
            json.dumps(
                {
                    "id": 1,
                    "cmd": "subscribe",
                    "params": {"channels": ["orderbook_delta"], "market_tickers": tickers},
                }
            )
        )
        frames = await _recv_all(ws, quiet_s=1.5, limit_s=1.5)
        async with httpx.AsyncClient(timeout=30) as client:
            await client.post(f"{running.admin_url}/pause")
            frames += await _recv_all(ws)
            books: dict[str, dict[str, dict[Decimal, Decimal]]] = {}
            seqs = []
            for f in frames:
                if f["type"] == "orderbook_snapshot":
                    m = f["msg"]
                    books[m["market_ticker"]] = {
                        side: {Decimal(p): Decimal(s) for p, s in m.get(f"{side}_dollars_fp", [])}
                        for side in ("yes", "no")
                    }
                    seqs.append(f["seq"])
                elif f["type"] == "orderbook_delta":
                    _apply(books[f["msg"]["market_ticker"]], f["msg"])
                    seqs.append(f["seq"])
            deltas = [f for f in frames if f["type"] == "orderbook_delta"]
            assert len(deltas) > 20
            for frame in frames:
                assert_like_docs(frame)
            assert seqs == list(range(1, len(seqs) + 1))
            for ticker in tickers:
                true = (await client.get(f"{running.admin_url}/book/{ticker}")).json()
                mine = {
                    side: sorted([f"{p:.4f}", f"{s:.2f}"] for p, s in books[ticker][side].items())
                    for side in ("yes", "no")
                }
                assert mine == true, ticker
            await client.post(f"{running.admin_url}/resume")


async def test_ticker_trade_and_lifecycle_stream(running: SimServer) -> None:
    markets = httpx.get(f"{running.base_url}/events/KXHIGHNY-26NOV23").json()["markets"]
    tickers = [m["ticker"] for m in markets]
    async with websockets.connect(running.ws_url) as ws:
        params = {"channels": ["ticker", "trade"], "market_tickers": tickers}
        await ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": params}))
        params = {"channels": ["market_lifecycle_v2"]}
        await ws.send(json.dumps({"id": 2, "cmd": "subscribe", "params": params}))
        async with httpx.AsyncClient(timeout=30) as client:
            await client.post(f"{running.admin_url}/clock", json={"advance_s": 86400})
        frames = await _recv_all(ws, quiet_s=1.0, limit_s=8.0)
    kinds = {f["type"] for f in frames}
    assert {"ticker", "trade", "market_lifecycle_v2", "event_lifecycle"} <= kinds
    assert {f["msg"]["market_ticker"] for f in frames if f["type"] in ("ticker", "trade")} <= set(
        tickers
    )
    for frame in frames:
        assert_like_docs(frame)
    events = {f["msg"]["event_type"] for f in frames if f["type"] == "market_lifecycle_v2"}
    assert {"created", "determined", "settled"} <= events
    determined = next(
        f["msg"]
        for f in frames
        if f["type"] == "market_lifecycle_v2" and f["msg"]["event_type"] == "determined"
    )
    assert determined["result"] in ("yes", "no") and determined["settlement_value"] in (
        "1.0000",
        "0.0000",
    )
    trade = next(f["msg"] for f in frames if f["type"] == "trade")
    assert Decimal(trade["yes_price_dollars"]) + Decimal(trade["no_price_dollars"]) == 1
    assert all("seq" not in f for f in frames if f["type"] in ("ticker", "trade"))


async def test_ws_faults_gap_malformed_drop() -> None:
    with SimServer(frozen_config()) as server:
        tickers = _tickers(server)
        httpx.post(f"{server.admin_url}/faults", json={"ws_seq_gap": 0.2, "ws_malformed": 0.05})
        raw: list[str] = []
        async with websockets.connect(server.ws_url) as ws:
            sub = {"channels": ["orderbook_delta"], "market_tickers": tickers}
            await ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": sub}))
            async with httpx.AsyncClient(timeout=30) as client:
                await client.post(f"{server.admin_url}/clock", json={"advance_s": 4 * 3600})
            while True:
                try:
                    raw.append(await asyncio.wait_for(ws.recv(), 1.0))
                except TimeoutError:
                    break
        assert len(raw) > 200
        good, bad = [], 0
        for text in raw:
            try:
                good.append(json.loads(text))
            except ValueError:
                bad += 1
        seqs = [f["seq"] for f in good if "seq" in f]
        stats = httpx.get(f"{server.admin_url}/stats").json()["ws"]
        assert bad > 0 and stats["malformed"] == bad
        assert stats["seq_gaps"] > 0 and any(b - a > 1 for a, b in itertools.pairwise(seqs))
        httpx.post(
            f"{server.admin_url}/faults",
            json={"ws_seq_gap": 0, "ws_malformed": 0, "ws_drop_every": 5},
        )
        async with websockets.connect(server.ws_url) as ws:
            await ws.send(
                json.dumps(
                    {
                        "id": 1,
                        "cmd": "subscribe",
                        "params": {"channels": ["orderbook_delta"], "market_tickers": tickers},
                    }
                )
            )
            received = 0
            with pytest.raises(websockets.ConnectionClosed):
                for _ in range(100):
                    await asyncio.wait_for(ws.recv(), 5)
                    received += 1
        assert received == 5
        assert httpx.get(f"{server.admin_url}/stats").json()["ws"]["disconnects"] == 1


async def test_buffer_overflow_ends_subscriptions(monkeypatch: pytest.MonkeyPatch) -> None:
    from kalshi_tape.sim import ws as sim_ws

    monkeypatch.setattr(sim_ws, "MAX_QUEUE", 50)
    with SimServer(frozen_config()) as server:
        tickers = _tickers(server)
        async with websockets.connect(server.ws_url) as ws:
            sub = {"channels": ["orderbook_delta"], "market_tickers": tickers}
            await ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": sub}))
            await _recv_all(ws)
            async with httpx.AsyncClient(timeout=30) as client:
                await client.post(f"{server.admin_url}/clock", json={"advance_s": 4 * 3600})
            frames = await _recv_all(ws)
            assert frames[-1] == {
                "type": "error",
                "msg": {"code": 25, "msg": "Subscription buffer overflow"},
            }
            await ws.send(json.dumps({"id": 2, "cmd": "list_subscriptions"}))
            assert json.loads(await ws.recv()) == {"type": "ok", "id": 2, "msg": []}


async def test_binary_and_garbage_frames_get_error_1(sim: SimServer) -> None:
    async with websockets.connect(sim.ws_url) as ws:
        await ws.send(b"\xff\xfe not utf8")
        await ws.send('{"id": 5, "cmd": 7}')
        await ws.send(b'{"id": 6, "cmd": "list_subscriptions"}')
        frames = [json.loads(await ws.recv()) for _ in range(3)]
    assert [f["type"] for f in frames] == ["error", "error", "ok"]
    assert frames[0]["msg"]["code"] == 1 and frames[1]["msg"]["code"] == 1
    assert frames[2]["id"] == 6
