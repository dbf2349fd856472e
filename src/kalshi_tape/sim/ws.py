"""The WebSocket API at /trade-api/ws/v2 (kalshi-api.md §5): commands, channels, per-sid seq.

Exchange changes arrive as stream items on each sync; every item's `msg` JSON is encoded
once per era and wrapped per subscription (`type`, `sid`, `seq`), then queued on each
connection and written by one writer task per connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from kalshi_tape.sim.auth import AuthFailure, Verifier
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.exchange import (
    BookChange,
    EventCreated,
    Exchange,
    Lifecycle,
    StreamItem,
    TickerChange,
    TradeEvent,
)
from kalshi_tape.sim.faults import FaultInjector
from kalshi_tape.sim.stats import SimStats
from kalshi_tape.sim.ws_bodies import market_id
from kalshi_tape.sim.ws_commands import ACTIONS, CommandError, CommandHandler
from kalshi_tape.sim.ws_connection import (
    CHANNELS,
    DEFAULT_MAX_QUEUE,
    LIFECYCLE,
    ORDERBOOK,
    PRIVATE_CHANNELS,
    TICKER,
    TRADE,
    Connection,
    Subscription,
)

WS_PATH = "/trade-api/ws/v2"
MAX_QUEUE = DEFAULT_MAX_QUEUE  # read per connection, so tests can lower it

__all__ = [
    "ACTIONS",
    "CHANNELS",
    "LIFECYCLE",
    "MAX_QUEUE",
    "ORDERBOOK",
    "PRIVATE_CHANNELS",
    "TICKER",
    "TRADE",
    "WS_PATH",
    "CommandError",
    "Connection",
    "StreamHub",
    "Subscription",
    "market_id",
]


class HubHost(Protocol):
    """What the hub uses of its owner (`SimState`); a protocol, so this module need not
    import the state that builds the hub."""

    config: SimConfig
    exchange: Exchange
    stats: SimStats
    faults: FaultInjector
    verifier: Verifier

    def now_ms(self) -> int: ...


class StreamHub(CommandHandler):
    """Every WebSocket connection: accepts them, runs their writers and fans stream items
    out to matching subscriptions (commands and message bodies come from the mixins)."""

    state: HubHost

    def __init__(self, state: HubHost) -> None:
        self.state = state
        self.ex = state.exchange
        self.era = state.config.wire_era
        self.connections: set[Connection] = set()
        self.stalled: set[Connection] = set()  # silent on purpose (fault), still open
        self._next_sid = 0
        self.ex.listeners.append(self.on_items)
        self.ex.stream_enabled = lambda: bool(self.connections)

    # ------------------------------------------------------------------ connection

    async def endpoint(self, ws: WebSocket) -> None:
        verifier = self.state.verifier
        if verifier.enabled:
            headers = {k.lower(): v for k, v in ws.headers.items()}
            try:
                verifier.verify(headers, "GET", WS_PATH, self.state.now_ms())
            except AuthFailure:
                await _deny(ws)
                return
        await ws.accept()
        conn = Connection(ws, max_queue=MAX_QUEUE)
        self.connections.add(conn)
        self.state.stats.ws.connections += 1
        writer = asyncio.create_task(self._writer(conn))
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                data = message.get("text")
                if data is None:
                    data = (message.get("bytes") or b"").decode("utf-8", "replace")
                self.handle(conn, data)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            conn.closed = True
            self.connections.discard(conn)
            self.stalled.discard(conn)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer

    async def _writer(self, conn: Connection) -> None:
        faults = self.state.faults
        stats = self.state.stats.ws
        send = conn.ws.send  # the raw ASGI message API: one dict per frame
        while not conn.closed:
            await conn.wake.wait()
            conn.wake.clear()
            out = conn.out
            while out:
                frame = out.popleft()
                if faults.ws_active:
                    frame = self._fault_frame(frame)
                try:
                    await send({"type": "websocket.send", "text": frame})
                except Exception:
                    conn.closed = True
                    return
                stats.frames_sent += 1
                conn.frames += 1
                stall = faults.faults.ws_stall_after
                if stall and conn.frames >= stall:
                    self._stall(conn)
                    return
                drop = faults.faults.ws_drop_every
                if drop and conn.frames % drop == 0:
                    stats.disconnects += 1
                    conn.closed = True
                    self.connections.discard(conn)
                    with contextlib.suppress(Exception):
                        await conn.ws.close(code=1011)
                    return

    def _stall(self, conn: Connection) -> None:
        """Fault `ws_stall_after`: the connection goes silent without closing. Nothing more
        is sent, and the socket is no longer read, so pings get no pong (the protocol layer
        answers them only while reading). Its uvicorn keep-alive closes it after its ping
        timeout, or the client gives up first."""
        conn.stalled = True
        self.connections.discard(conn)
        self.stalled.add(conn)
        self.state.stats.ws.stalls += 1
        stop_reading(conn.ws)

    def _fault_frame(self, frame: str) -> str:
        faults = self.state.faults
        if faults.faults.ws_malformed and faults.malformed():
            self.state.stats.ws.malformed += 1
            return frame[: max(1, len(frame) // 2)]
        return frame

    async def close_all(self) -> None:
        for conn in [*self.connections, *self.stalled]:
            conn.closed = True
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001)
        self.connections.clear()
        self.stalled.clear()

    # ------------------------------------------------------------------ commands

    # ------------------------------------------------------------------ snapshots

    # ------------------------------------------------------------------ stream

    def on_items(self, items: list[StreamItem]) -> None:
        conns = [c for c in self.connections if c.subs]
        if not conns:
            return
        for item in items:
            if isinstance(item, BookChange):
                self._fan_book(conns, item)
            elif isinstance(item, TickerChange):
                self._fan(conns, TICKER, item.market.ticker, "ticker", self._ticker_body, item)
            elif isinstance(item, TradeEvent):
                self._fan(conns, TRADE, item.ticker, "trade", self._trade_body, item)
            elif isinstance(item, Lifecycle):
                kind = "market_lifecycle_v2"
                self._fan(conns, LIFECYCLE, item.market.ticker, kind, self._lifecycle_body, item)
            elif isinstance(item, EventCreated):
                self._fan(conns, LIFECYCLE, "", "event_lifecycle", self._event_body, item)

    @staticmethod
    def _matching(
        conns: Iterable[Connection], channel: str, ticker: str
    ) -> Iterable[tuple[Connection, Subscription]]:
        for conn in conns:
            for sub in conn.subs.values():
                if sub.channel == channel and (sub.tickers is None or ticker in sub.tickers):
                    yield conn, sub

    def _fan(
        self,
        conns: list[Connection],
        channel: str,
        ticker: str,
        kind: str,
        make_body: Callable[[Any], str],
        item: StreamItem,
    ) -> None:
        targets = list(self._matching(conns, channel, ticker))
        if not targets:
            return
        body = make_body(item)
        for conn, sub in targets:
            conn.push(f'{{"type":"{kind}","sid":{sub.sid},"msg":{body}}}')

    def _fan_book(self, conns: list[Connection], item: BookChange) -> None:
        targets = list(self._matching(conns, ORDERBOOK, item.ticker))
        if not targets:
            return
        bodies = [
            self._delta_body(item, side, price, delta) for side, price, delta in item.deltas()
        ]
        faults = self.state.faults
        for conn, sub in targets:
            sid = sub.sid
            for body in bodies:
                sub.seq += 1
                if faults.faults.ws_seq_gap and faults.seq_gap():
                    sub.seq += 1
                    self.state.stats.ws.seq_gaps += 1
                conn.push(f'{{"type":"orderbook_delta","sid":{sid},"seq":{sub.seq},"msg":{body}}}')

    # ------------------------------------------------------------------ message bodies


async def _deny(ws: WebSocket) -> None:
    body = b'{"error":{"code":"authentication_error","message":"authentication required"}}'
    try:
        await ws.send_denial_response(Response(body, 401, media_type="application/json"))
    except RuntimeError:
        await ws.close(code=1008)


def stop_reading(ws: WebSocket) -> None:
    """Stop reading the socket under `ws` (uvicorn's protocol object is the owner of the ASGI
    `receive` callable); the peer's frames, pings included, then stay unanswered."""
    protocol: Any = getattr(ws._receive, "__self__", None)
    transport = getattr(protocol, "transport", None)
    if protocol is None or transport is None:
        raise RuntimeError("ws_stall_after needs the simulator to run under uvicorn")
    if hasattr(protocol, "read_paused"):
        protocol.read_paused = True  # so uvicorn does not resume reading on its own
    transport.pause_reading()
