"""What we want to be subscribed to, what the server confirmed, and the commands between.

The manager is sans-IO: methods return command frames (bytes) for the connection to send.
We keep one subscription (sid) per channel and grow or shrink it with
`update_subscription`; after a reconnect `restore()` re-issues everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec

ORDERBOOK = "orderbook_delta"
TICKER = "ticker"
MARKET_CHANNELS = frozenset({"orderbook_delta", "ticker", "trade"})

_encode = msgspec.json.Encoder().encode


@dataclass(slots=True)
class Pending:
    """A command awaiting its reply (`subscribed`, `ok`, `unsubscribed` or `error`)."""

    cmd: str
    channel: str
    tickers: tuple[str, ...] = ()
    action: str = ""


@dataclass(slots=True)
class Channel:
    name: str
    tickers: set[str] = field(default_factory=set)
    sid: int | None = None
    subscribing: bool = False
    # markets added while the subscribe was in flight; sent as add_markets once confirmed
    deferred_add: set[str] = field(default_factory=set)
    # id of the newest subscribe sent: only its reply may set `sid`
    subscribe_id: int | None = None


class SubscriptionManager:
    def __init__(self) -> None:
        self.channels: dict[str, Channel] = {}
        self.pending: dict[int, Pending] = {}
        self.retired: set[int] = set()  # sids we unsubscribed; their late frames are ignored
        self._next_id = 1

    # ------------------------------------------------------------------ queries

    def channel(self, name: str) -> Channel:
        """The state of channel `name` (created empty when unknown)."""
        return self.channels.setdefault(name, Channel(name))

    def sid_of(self, channel: str) -> int | None:
        chan = self.channels.get(channel)
        return chan.sid if chan else None

    def channel_of_sid(self, sid: int) -> str | None:
        for chan in self.channels.values():
            if chan.sid == sid:
                return chan.name
        return None

    def adopt(self, channel: str, sid: int) -> list[bytes]:
        """A frame of an unknown sid while our subscribe is in flight: its `subscribed`
        reply was lost (say, garbled), so take the sid from the data frame."""
        chan = self.channels.get(channel)
        if chan is None or chan.sid is not None or not chan.subscribing or sid in self.retired:
            return []
        return self.on_subscribed(None, channel, sid)

    def tickers(self, channel: str = ORDERBOOK) -> set[str]:
        chan = self.channels.get(channel)
        return set(chan.tickers) if chan else set()

    # ------------------------------------------------------------------ desired state

    def add(self, channel: str, tickers: Iterable[str] = ()) -> list[bytes]:
        """Want `tickers` on `channel`; commands to get there (none while offline)."""
        chan = self.channels.setdefault(channel, Channel(channel))
        new = set(tickers) - chan.tickers
        if not new and (chan.sid is not None or chan.subscribing):
            return []
        chan.tickers |= new
        if chan.sid is None:
            if chan.subscribing:
                chan.deferred_add |= new
                return []
            return [self._subscribe(chan, chan.tickers)]
        return [self._update(chan, "add_markets", new)]

    def remove(self, channel: str, tickers: Iterable[str]) -> list[bytes]:
        chan = self.channels.get(channel)
        if chan is None:
            return []
        gone = set(tickers) & chan.tickers
        chan.tickers -= gone
        chan.deferred_add -= gone
        if not gone or chan.sid is None:
            return []
        if not chan.tickers:
            return self._drop(chan)
        return [self._update(chan, "delete_markets", gone)]

    def snapshot(self, channel: str, tickers: Iterable[str]) -> list[bytes]:
        """Ask for fresh snapshots of `tickers` without changing the subscription."""
        chan = self.channels.get(channel)
        wanted = set(tickers) & (chan.tickers if chan else set())
        if chan is None or chan.sid is None or not wanted:
            return []
        return [self._update(chan, "get_snapshot", wanted)]

    def readd(self, channel: str, tickers: Iterable[str]) -> list[bytes]:
        """Resubscribe `tickers` alone on the same sid: delete_markets, then add_markets
        (which the exchange answers with fresh snapshots). The wanted set is unchanged."""
        chan = self.channels.get(channel)
        wanted = set(tickers) & (chan.tickers if chan else set())
        if chan is None or chan.sid is None or not wanted:
            return []
        return [
            self._update(chan, "delete_markets", wanted),
            self._update(chan, "add_markets", wanted),
        ]

    def resubscribe(self, channel: str) -> list[bytes]:
        """Unsubscribe the channel's sid and subscribe its markets afresh (new sid)."""
        chan = self.channels.get(channel)
        if chan is None:
            return []
        commands = self._drop(chan) if chan.sid is not None else []
        if chan.subscribing or (not chan.tickers and chan.name in MARKET_CHANNELS):
            return commands
        return [*commands, self._subscribe(chan, chan.tickers)]

    def restore(self) -> list[bytes]:
        """After a (re)connect: forget sids and replies, subscribe everything again."""
        self.pending.clear()
        self.retired.clear()
        commands = []
        for chan in self.channels.values():
            chan.sid, chan.subscribing = None, False
            chan.deferred_add.clear()
            if chan.tickers or chan.name not in MARKET_CHANNELS:
                commands.append(self._subscribe(chan, chan.tickers))
        return commands

    # ------------------------------------------------------------------ replies

    def on_subscribed(self, command_id: int | None, channel: str, sid: int) -> list[bytes]:
        """Record the sid; send markets added meanwhile. Only the newest subscribe's reply
        sets the sid: a slower reply to an older, replaced subscribe is unsubscribed, and a
        sid that a newer reply replaces is unsubscribed too."""
        pending = self.pending.pop(command_id, None) if command_id is not None else None
        chan = self.channels.get(channel)
        if chan is None or (pending is None and chan.sid is not None) or sid in self.retired:
            return []
        newest = chan.subscribe_id
        if command_id is not None and newest is not None and command_id < newest:
            return self._retire(channel, sid)
        commands = self._retire(channel, chan.sid) if chan.sid not in (None, sid) else []
        chan.sid, chan.subscribing = sid, False
        extra, chan.deferred_add = chan.deferred_add, set()
        if extra:
            commands.append(self._update(chan, "add_markets", extra))
        return commands

    def on_reply(self, command_id: int | None) -> Pending | None:
        """The command an `ok`, `unsubscribed` or `error` answers (None if unknown)."""
        if command_id is None:
            return None
        pending = self.pending.pop(command_id, None)
        if pending is not None and pending.cmd == "subscribe":
            chan = self.channels.get(pending.channel)
            if chan is not None and chan.sid is None:
                chan.subscribing = False
        return pending

    # ------------------------------------------------------------------ commands

    def _subscribe(self, chan: Channel, tickers: Iterable[str]) -> bytes:
        chan.subscribing = True
        params: dict[str, Any] = {"channels": [chan.name]}
        ordered = sorted(tickers)
        if ordered:
            params["market_tickers"] = ordered
        if chan.name == TICKER:  # stamped with the exchange's time: places the book
            params["send_initial_snapshot"] = True  # snapshots just before on that clock
        chan.subscribe_id = self._next_id
        chan.deferred_add -= set(ordered)  # this subscribe covers them
        return self._command("subscribe", params, Pending("subscribe", chan.name, tuple(ordered)))

    def _update(self, chan: Channel, action: str, tickers: Iterable[str]) -> bytes:
        ordered = sorted(tickers)
        params = {"sids": [chan.sid], "market_tickers": ordered, "action": action}
        pending = Pending("update_subscription", chan.name, tuple(ordered), action)
        return self._command("update_subscription", params, pending)

    def _retire(self, channel: str, sid: int | None) -> list[bytes]:
        """Unsubscribe a sid we no longer use; its late frames are ignored."""
        if sid is None:
            return []
        self.retired.add(sid)
        return [self._command("unsubscribe", {"sids": [sid]}, Pending("unsubscribe", channel))]

    def _drop(self, chan: Channel) -> list[bytes]:
        sid, chan.sid = chan.sid, None
        if sid is not None:
            self.retired.add(sid)
        pending = Pending("unsubscribe", chan.name)
        return [self._command("unsubscribe", {"sids": [sid]}, pending)]

    def _command(self, cmd: str, params: dict[str, Any], pending: Pending) -> bytes:
        command_id = self._next_id
        self._next_id += 1
        self.pending[command_id] = pending
        return _encode({"id": command_id, "cmd": cmd, "params": params})
