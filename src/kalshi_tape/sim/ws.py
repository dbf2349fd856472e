"""The WebSocket API at /trade-api/ws/v2 (kalshi-api.md §5): commands, channels, per-sid seq.

Exchange changes arrive as stream items on each sync; every item's `msg` JSON is encoded
once per era and wrapped per subscription (`type`, `sid`, `seq`), then queued on each
connection and written by one writer task per connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from kalshi_tape import wire as w
from kalshi_tape.sim.auth import AuthFailure
from kalshi_tape.sim.encode import ENCODER, dollars, fp, utc_us
from kalshi_tape.sim.exchange import (
    US,
    BookChange,
    EventCreated,
    Lifecycle,
    StreamItem,
    TickerChange,
    TradeEvent,
)

if TYPE_CHECKING:
    from kalshi_tape.sim.app import SimState

WS_PATH = "/trade-api/ws/v2"
ORDERBOOK = "orderbook_delta"
TICKER = "ticker"
TRADE = "trade"
LIFECYCLE = "market_lifecycle_v2"
CHANNELS = (ORDERBOOK, TICKER, TRADE, LIFECYCLE)
PRIVATE_CHANNELS = (
    "fill",
    "market_positions",
    "user_orders",
    "order_group_updates",
    "communications",
)
MAX_QUEUE = 200_000
ACTIONS = ("add_markets", "delete_markets", "get_snapshot")


@functools.lru_cache(maxsize=65536)
def market_id(ticker: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kalshi-tape-sim:{ticker}"))


@dataclass
class Subscription:
    sid: int
    channel: str
    tickers: set[str] | None  # None = every market
    seq: int = 0


@dataclass(eq=False)
class Connection:
    ws: WebSocket
    subs: dict[int, Subscription] = field(default_factory=dict)
    out: deque[str] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    frames: int = 0
    closed: bool = False
    overflowed: bool = False  # until the client sends a command again

    def push(self, frame: str) -> None:
        if self.overflowed:
            return
        if len(self.out) >= MAX_QUEUE:
            self._overflow()
            return
        self.out.append(frame)
        self.wake.set()

    def _overflow(self) -> None:
        """A reader too slow for its subscriptions: drop them all, as Kalshi does (code 25)."""
        self.out.clear()
        self.subs.clear()
        self.overflowed = True
        self.out.append('{"type":"error","msg":{"code":25,"msg":"Subscription buffer overflow"}}')
        self.wake.set()


class CommandError(Exception):
    def __init__(self, code: int, msg: str, market_ticker: str | None = None) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.market_ticker = market_ticker


class StreamHub:
    def __init__(self, state: SimState) -> None:
        self.state = state
        self.ex = state.exchange
        self.era = state.config.wire_era
        self.connections: set[Connection] = set()
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
        conn = Connection(ws)
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
                drop = faults.faults.ws_drop_every
                if drop and conn.frames % drop == 0:
                    stats.disconnects += 1
                    conn.closed = True
                    self.connections.discard(conn)
                    with contextlib.suppress(Exception):
                        await conn.ws.close(code=1011)
                    return

    def _fault_frame(self, frame: str) -> str:
        faults = self.state.faults
        if faults.faults.ws_malformed and faults.malformed():
            self.state.stats.ws.malformed += 1
            return frame[: max(1, len(frame) // 2)]
        return frame

    async def close_all(self) -> None:
        for conn in list(self.connections):
            conn.closed = True
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001)
        self.connections.clear()

    # ------------------------------------------------------------------ commands

    def handle(self, conn: Connection, text: str) -> None:
        conn.overflowed = False  # a command means the client is reading again
        try:
            cmd = msgspec.json.decode(text, type=w.WCommand)
        except (msgspec.DecodeError, msgspec.ValidationError):
            self._error(conn, None, CommandError(1, "Unable to process message"))
            return
        self.ex.sync()
        try:
            handler = {
                "subscribe": self._subscribe,
                "unsubscribe": self._unsubscribe,
                "list_subscriptions": self._list,
                "update_subscription": self._update,
            }.get(cmd.cmd)
            if handler is None:
                raise CommandError(5, "Unknown command")
            handler(conn, cmd)
        except CommandError as exc:
            self._error(conn, cmd.id, exc)

    def _error(self, conn: Connection, cmd_id: int | None, exc: CommandError) -> None:
        frame = w.WError(
            id=cmd_id or None,
            msg=w.WErrorMsg(code=exc.code, msg=exc.msg, market_ticker=exc.market_ticker),
        )
        conn.push(ENCODER.encode(frame).decode())

    def _tickers(self, params: w.WCommandParams) -> list[str] | None:
        tickers = list(params.market_tickers or [])
        if params.market_ticker:
            tickers.append(params.market_ticker)
        return tickers or None

    def _subscribe(self, conn: Connection, cmd: w.WCommand) -> None:
        params = cmd.params
        if params is None:
            raise CommandError(2, "Params required")
        if not params.channels:
            raise CommandError(3, "Channels required")
        for channel in params.channels:
            if channel not in CHANNELS and channel not in PRIVATE_CHANNELS:
                raise CommandError(8, "Unknown channel name")
        tickers = self._tickers(params)
        if tickers:
            for ticker in tickers:
                if self.ex.find_market(ticker) is None:
                    raise CommandError(16, "Market not found", ticker)
        for channel in params.channels:
            if channel in PRIVATE_CHANNELS:
                self._error(conn, cmd.id, CommandError(9, "Authentication required"))
                continue
            if channel == ORDERBOOK and not tickers:
                raise CommandError(14, "Market ticker required")
            wanted = None if channel == LIFECYCLE or not tickers else set(tickers)
            sub = next((s for s in conn.subs.values() if s.channel == channel), None)
            if sub is None:
                self._next_sid += 1
                sub = Subscription(self._next_sid, channel, wanted)
                conn.subs[sub.sid] = sub
                new = tickers or []
            else:
                new = [t for t in tickers or [] if sub.tickers is not None and t not in sub.tickers]
                if sub.tickers is not None:
                    sub.tickers = None if wanted is None else sub.tickers | wanted
            ack = w.WSubscribed(
                id=cmd.id or None, msg=w.WSubscribedMsg(channel=channel, sid=sub.sid)
            )
            conn.push(ENCODER.encode(ack).decode())
            if channel == ORDERBOOK:
                for ticker in new:
                    self._snapshot(conn, sub, ticker)
            elif channel == TICKER and params.send_initial_snapshot:
                for ticker in new:
                    self._ticker_snapshot(conn, sub, ticker)

    def _sids(self, params: w.WCommandParams | None) -> list[int]:
        if params is None:
            raise CommandError(2, "Params required")
        sids = list(params.sids or [])
        if params.sid is not None:
            sids.append(params.sid)
        return sids

    def _unsubscribe(self, conn: Connection, cmd: w.WCommand) -> None:
        sids = self._sids(cmd.params)
        if not sids:
            raise CommandError(4, "Subscription IDs required")
        for sid in sids:
            sub = conn.subs.pop(sid, None)
            if sub is None:
                self._error(conn, cmd.id, CommandError(7, "Unknown subscription ID"))
                continue
            seq = sub.seq if sub.channel == ORDERBOOK else None
            frame = w.WUnsubscribed(id=cmd.id or None, sid=sid, seq=seq)
            conn.push(ENCODER.encode(frame).decode())

    def _list(self, conn: Connection, cmd: w.WCommand) -> None:
        subs = [w.WSubscribedMsg(channel=s.channel, sid=s.sid) for s in conn.subs.values()]
        conn.push(ENCODER.encode(w.WOk(id=cmd.id or None, msg=subs)).decode())

    def _update(self, conn: Connection, cmd: w.WCommand) -> None:
        sids = self._sids(cmd.params)
        if len(sids) != 1:
            raise CommandError(12, "Exactly one subscription ID required")
        params = cmd.params
        assert params is not None
        if not params.action:
            raise CommandError(15, "Action required")
        if params.action not in ACTIONS:
            raise CommandError(13, "Unsupported action")
        sub = conn.subs.get(sids[0])
        if sub is None:
            raise CommandError(7, "Unknown subscription ID")
        tickers = self._tickers(params)
        if not tickers:
            raise CommandError(14, "Market ticker required")
        for ticker in tickers:
            if self.ex.find_market(ticker) is None:
                raise CommandError(16, "Market not found", ticker)
        snapshots: list[str] = []
        if params.action == "add_markets":
            if sub.tickers is not None:
                snapshots = [t for t in tickers if t not in sub.tickers]
                sub.tickers |= set(tickers)
        elif params.action == "delete_markets":
            if sub.tickers is not None:
                sub.tickers -= set(tickers)
        else:
            snapshots = tickers
        current = sorted(sub.tickers) if sub.tickers is not None else []
        seq = sub.seq if sub.channel == ORDERBOOK else None
        ok = w.WOk(id=cmd.id or None, sid=sub.sid, seq=seq, msg=w.WOkMsg(market_tickers=current))
        conn.push(ENCODER.encode(ok).decode())
        if sub.channel == ORDERBOOK:
            for ticker in snapshots:
                self._snapshot(conn, sub, ticker)

    # ------------------------------------------------------------------ snapshots

    def _snapshot(self, conn: Connection, sub: Subscription, ticker: str) -> None:
        book = self.ex.book(ticker) or ([], [])
        msg = self._snapshot_msg(ticker, *book)
        sub.seq += 1
        body = ENCODER.encode(msg).decode()
        conn.push(f'{{"type":"orderbook_snapshot","sid":{sub.sid},"seq":{sub.seq},"msg":{body}}}')

    def _snapshot_msg(
        self, ticker: str, yes: list[tuple[int, int]], no: list[tuple[int, int]]
    ) -> w.WSnapshotMsg:
        msg = w.WSnapshotMsg(market_ticker=ticker)
        if self.era in ("fixed", "dual"):
            msg.market_id = market_id(ticker)
            msg.yes_dollars_fp = [(dollars(p), fp(s)) for p, s in yes] or None
            msg.no_dollars_fp = [(dollars(p), fp(s)) for p, s in no] or None
        if self.era in ("dual", "cents"):
            msg.yes = [(p, s // 100) for p, s in yes] or None
            msg.no = [(p, s // 100) for p, s in no] or None
        if self.era == "dual":
            msg.yes_dollars = [(dollars(p), s // 100) for p, s in yes] or None
            msg.no_dollars = [(dollars(p), s // 100) for p, s in no] or None
        return msg

    def _ticker_snapshot(self, conn: Connection, sub: Subscription, ticker: str) -> None:
        found = self.ex.find_market(ticker)
        if found is None:
            return
        body = self._ticker_body(TickerChange(self.ex.now_us, *found, None))
        conn.push(f'{{"type":"ticker","sid":{sub.sid},"msg":{body}}}')

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

    def _delta_body(self, item: BookChange, side: str, price: int, delta: int) -> str:
        msg = w.WDeltaMsg(market_ticker=item.ticker, side=side)
        if self.era in ("fixed", "dual"):
            msg.market_id = market_id(item.ticker)
            msg.price_dollars = dollars(price)
            msg.delta_fp = fp(delta)
            msg.ts = _rfc3339(item.ts_us)
            msg.ts_ms = item.ts_us // 1000
        if self.era in ("dual", "cents"):
            msg.price = price
            msg.delta = delta // 100
        return ENCODER.encode(msg).decode()

    def _ticker_body(self, item: TickerChange) -> str:
        st = self.ex.state_at(item.event, item.market, item.ts_us)
        ticker = st.market.ticker
        bid, ask, bid_size, ask_size = st.quote
        ts_s = item.ts_us // US
        msg = w.WTickerMsg(market_ticker=ticker, ts=ts_s)
        dollar_volume = (st.volume // 100) // 2
        dollar_oi = (st.open_interest // 100) // 2
        if self.era in ("fixed", "dual"):
            msg.market_id = market_id(ticker)
            msg.price_dollars = dollars(st.last_price)
            msg.yes_bid_dollars = dollars(bid)
            msg.yes_ask_dollars = dollars(ask)
            msg.volume_fp = fp(st.volume)
            msg.open_interest_fp = fp(st.open_interest)
            msg.dollar_volume, msg.dollar_open_interest = dollar_volume, dollar_oi
            msg.ts_ms = item.ts_us // 1000
            msg.time = _rfc3339(ts_s * US)
        if self.era == "fixed":
            msg.yes_bid_size_fp = fp(bid_size)
            msg.yes_ask_size_fp = fp(ask_size)
            if item.last_trade_size is not None:
                msg.last_trade_size_fp = fp(item.last_trade_size)
        if self.era in ("dual", "cents"):
            msg.price, msg.yes_bid, msg.yes_ask = st.last_price, bid, ask
            msg.volume, msg.open_interest = st.volume // 100, st.open_interest // 100
            msg.dollar_volume, msg.dollar_open_interest = dollar_volume, dollar_oi
            msg.time = _rfc3339(ts_s * US)
        return ENCODER.encode(msg).decode()

    def _trade_body(self, item: TradeEvent) -> str:
        t = item.trade
        taker = "yes" if t.taker_yes else "no"
        msg = w.WTradeMsg(
            trade_id=t.trade_id, market_ticker=item.ticker, taker_side=taker, ts=t.created_us // US
        )
        if self.era in ("fixed", "dual"):
            msg.yes_price_dollars = dollars(t.yes_cents)
            msg.no_price_dollars = dollars(100 - t.yes_cents)
            msg.count_fp = fp(t.count_h)
        if self.era == "fixed":
            msg.taker_outcome_side = taker
            msg.taker_book_side = "bid" if t.taker_yes else "ask"
            msg.is_block_trade = False
            msg.ts_ms = t.created_us // 1000
        if self.era in ("dual", "cents"):
            msg.yes_price, msg.no_price = t.yes_cents, 100 - t.yes_cents
            msg.count = t.count_h // 100
        return ENCODER.encode(msg).decode()

    def _lifecycle_body(self, item: Lifecycle) -> str:
        spec, m = item.event, item.market
        msg = w.WLifecycleMsg(market_ticker=m.ticker, event_type=item.event_type)
        if item.event_type == "created":
            msg.exchange_index = 0
            msg.open_ts, msg.close_ts = spec.open_ts, spec.close_ts
            msg.price_level_structure = "linear_cent"
            msg.additional_metadata = {
                "name": m.ticker,
                "title": m.title,
                "yes_sub_title": m.yes_sub_title,
                "no_sub_title": m.yes_sub_title,
                "rules_primary": m.rules_primary,
                "rules_secondary": spec.rules_secondary,
                "can_close_early": True,
                "event_ticker": spec.event_ticker,
                "expected_expiration_ts": spec.expected_expiration_ts,
                "strike_type": m.strike_type,
                **({"floor_strike": m.floor} if m.floor is not None else {}),
                **({"cap_strike": m.cap} if m.cap is not None else {}),
            }
        elif item.event_type == "determined":
            msg.result = spec.result(m)
            msg.determination_ts = spec.determination_ts
            msg.settlement_value = dollars(100 if msg.result == "yes" else 0)
        elif item.event_type == "settled":
            msg.settled_ts = spec.settlement_ts
        return ENCODER.encode(msg).decode()

    def _event_body(self, item: EventCreated) -> str:
        spec = item.event
        msg = w.WEventLifecycleMsg(
            event_ticker=spec.event_ticker,
            exchange_index=0,
            title=spec.title,
            subtitle=spec.sub_title,
            collateral_return_type="MECNET",
            series_ticker=spec.series,
        )
        return ENCODER.encode(msg).decode()


def _rfc3339(us: int) -> str:
    return _rfc3339_s(us // US)


@functools.lru_cache(maxsize=4096)
def _rfc3339_s(ts: int) -> str:
    return utc_us(ts * US).isoformat().replace("+00:00", "Z")


async def _deny(ws: WebSocket) -> None:
    body = b'{"error":{"code":"authentication_error","message":"authentication required"}}'
    try:
        await ws.send_denial_response(Response(body, 401, media_type="application/json"))
    except RuntimeError:
        await ws.close(code=1008)
