"""WebSocket commands of the simulator (kalshi-api.md §5): subscribe, unsubscribe,
list_subscriptions and update_subscription, with Kalshi's error codes, and the snapshots a
subscription starts with."""

from __future__ import annotations

from typing import Protocol

import msgspec

from kalshi_tape import wire as w
from kalshi_tape.sim.encode import ENCODER
from kalshi_tape.sim.exchange import TickerChange
from kalshi_tape.sim.faults import FaultInjector
from kalshi_tape.sim.stats import SimStats
from kalshi_tape.sim.ws_bodies import StreamBodies
from kalshi_tape.sim.ws_connection import (
    CHANNELS,
    LIFECYCLE,
    ORDERBOOK,
    PRIVATE_CHANNELS,
    TICKER,
    Connection,
    Subscription,
)

ACTIONS = ("add_markets", "delete_markets", "get_snapshot")


class CommandError(Exception):
    def __init__(self, code: int, msg: str, market_ticker: str | None = None) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.market_ticker = market_ticker


class _FaultHost(Protocol):
    faults: FaultInjector
    stats: SimStats


class CommandHandler(StreamBodies):
    """Command handling; mixed into the stream hub, which owns `_next_sid` and `state`."""

    _next_sid: int
    state: _FaultHost

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
        params = self._subscribe_params(cmd)
        tickers = self._tickers(params)
        for ticker in tickers or []:
            if self.ex.find_market(ticker) is None:
                raise CommandError(16, "Market not found", ticker)
        for channel in params.channels or []:
            if channel in PRIVATE_CHANNELS:
                self._error(conn, cmd.id, CommandError(9, "Authentication required"))
                continue
            if channel == ORDERBOOK and not tickers:
                raise CommandError(14, "Market ticker required")
            sub, new = self._join(conn, channel, tickers)
            ack = w.WSubscribed(
                id=cmd.id or None, msg=w.WSubscribedMsg(channel=channel, sid=sub.sid)
            )
            conn.push(ENCODER.encode(ack).decode())
            self._initial(conn, sub, new, bool(params.send_initial_snapshot))

    def _subscribe_params(self, cmd: w.WCommand) -> w.WCommandParams:
        params = cmd.params
        if params is None:
            raise CommandError(2, "Params required")
        if not params.channels:
            raise CommandError(3, "Channels required")
        for channel in params.channels:
            if channel not in CHANNELS and channel not in PRIVATE_CHANNELS:
                raise CommandError(8, "Unknown channel name")
        return params

    def _join(
        self, conn: Connection, channel: str, tickers: list[str] | None
    ) -> tuple[Subscription, list[str]]:
        """The connection's subscription to `channel` (new or widened) and its new markets."""
        wanted = None if channel == LIFECYCLE or not tickers else set(tickers)
        sub = next((s for s in conn.subs.values() if s.channel == channel), None)
        if sub is None:
            self._next_sid += 1
            sub = Subscription(self._next_sid, channel, wanted)
            conn.subs[sub.sid] = sub
            return sub, tickers or []
        new = [t for t in tickers or [] if sub.tickers is not None and t not in sub.tickers]
        if sub.tickers is not None:
            sub.tickers = None if wanted is None else sub.tickers | wanted
        return sub, new

    def _initial(self, conn: Connection, sub: Subscription, new: list[str], ticker: bool) -> None:
        """The snapshots a subscription starts with (ticker ones only when asked for)."""
        if sub.channel == ORDERBOOK:
            for market in new:
                self._snapshot(conn, sub, market)
        elif sub.channel == TICKER and ticker:
            for market in new:
                self._ticker_snapshot(conn, sub, market)

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
        sub, params = self._update_target(conn, cmd)
        tickers = self._tickers(params)
        if not tickers:
            raise CommandError(14, "Market ticker required")
        for ticker in tickers:
            if self.ex.find_market(ticker) is None:
                raise CommandError(16, "Market not found", ticker)
        snapshots = self._apply_action(sub, str(params.action), tickers)
        current = sorted(sub.tickers) if sub.tickers is not None else []
        seq = sub.seq if sub.channel == ORDERBOOK else None
        ok = w.WOk(id=cmd.id or None, sid=sub.sid, seq=seq, msg=w.WOkMsg(market_tickers=current))
        conn.push(ENCODER.encode(ok).decode())
        if sub.channel == ORDERBOOK:
            for ticker in snapshots:
                self._snapshot(conn, sub, ticker)

    def _update_target(
        self, conn: Connection, cmd: w.WCommand
    ) -> tuple[Subscription, w.WCommandParams]:
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
        return sub, params

    @staticmethod
    def _apply_action(sub: Subscription, action: str, tickers: list[str]) -> list[str]:
        """Apply an update action; returns the markets that get a snapshot."""
        if action == "get_snapshot":
            return tickers
        if sub.tickers is None:
            return []
        if action == "add_markets":
            snapshots = [t for t in tickers if t not in sub.tickers]
            sub.tickers |= set(tickers)
            return snapshots
        sub.tickers -= set(tickers)  # delete_markets
        return []

    def _snapshot(self, conn: Connection, sub: Subscription, ticker: str) -> None:
        fate = self._resync_fate(conn, ticker)
        if fate == "drop":  # never sent, and no seq used: only a timer can notice
            return
        book = self.ex.book(ticker) or ([], [])
        msg = self._snapshot_msg(ticker, *book)
        sub.seq += 1
        body = ENCODER.encode(msg).decode()
        frame = f'{{"type":"orderbook_snapshot","sid":{sub.sid},"seq":{sub.seq},"msg":{body}}}'
        conn.push(frame[: len(frame) // 2] if fate == "corrupt" else frame)

    def _resync_fate(self, conn: Connection, ticker: str) -> str:
        """Faults ws_snapshot_drop / ws_snapshot_corrupt hit resync snapshots only: a
        market's second or later snapshot on this connection."""
        if ticker not in conn.snapshotted:
            conn.snapshotted.add(ticker)
            return ""
        fate = self.state.faults.resync_snapshot()
        stats = self.state.stats.ws
        if fate == "drop":
            stats.snapshots_dropped += 1
        elif fate == "corrupt":
            stats.snapshots_corrupted += 1
        return fate

    def _ticker_snapshot(self, conn: Connection, sub: Subscription, ticker: str) -> None:
        found = self.ex.find_market(ticker)
        if found is None:
            return
        body = self._ticker_body(TickerChange(self.ex.now_us, *found, None))
        conn.push(f'{{"type":"ticker","sid":{sub.sid},"msg":{body}}}')
