"""Events a `BookFeed` yields besides the exchange's own messages.

Every event carries `received_ns` (our injected clock) and `exchange_ts_ms` (None when
the exchange stamped nothing, as for connection events). The exchange's messages
(`OrderbookSnapshot`, `OrderbookDelta`, `TickerUpdate`, `TradeUpdate`, lifecycle) are
yielded as the parser made them; they carry the same two clocks.
"""

from __future__ import annotations

import msgspec

from kalshi_tape.core.domain import ChannelData

__all__ = [
    "ChannelError",
    "Connected",
    "Disconnected",
    "FeedEvent",
    "Gap",
    "Malformed",
    "Resync",
    "ResyncStep",
    "Resynced",
]


class Connected(msgspec.Struct, frozen=True, tag="connected"):
    """A WebSocket connection opened; `reconnect` is False only for the first one."""

    url: str
    reconnect: bool
    attempts: int
    received_ns: int
    exchange_ts_ms: int | None = None


class Disconnected(msgspec.Struct, frozen=True, tag="disconnected"):
    """The connection was lost; every book was dropped and will be rebuilt from snapshots."""

    reason: str
    received_ns: int
    exchange_ts_ms: int | None = None


class Gap(msgspec.Struct, frozen=True, tag="gap"):
    """Frames of subscription `sid` were lost between `expected` and `got`."""

    sid: int
    expected: int
    got: int
    tickers: tuple[str, ...]
    received_ns: int
    exchange_ts_ms: int | None = None


class Resync(msgspec.Struct, frozen=True, tag="resync"):
    """Books dropped and fresh snapshots requested.

    `reason`: gap | malformed | channel_error | invariant | snapshot_refused | reconnect;
    `method`: get_snapshot | resubscribe | awaiting_subscription. The market is then
    awaiting its snapshot until `Resynced`, with `ResyncStep`s when one is overdue."""

    tickers: tuple[str, ...]
    reason: str
    method: str
    detail: str
    received_ns: int
    exchange_ts_ms: int | None = None


class ResyncStep(msgspec.Struct, frozen=True, tag="resync_step"):
    """A market still awaiting its snapshot after the wait: `action` is the step now taken
    (attempt 1 is the first after the initial ask); `waited_ns` since it went out of sync."""

    ticker: str
    action: str
    attempt: int
    cause: str
    waited_ns: int
    received_ns: int
    exchange_ts_ms: int | None = None


class Resynced(msgspec.Struct, frozen=True, tag="resynced"):
    """A market live again: out of sync for `duration_ns` (our clock) after `attempts`
    steps beyond the initial ask; `via` is the source of the book (snapshot or rest)."""

    ticker: str
    cause: str
    duration_ns: int
    attempts: int
    via: str
    received_ns: int
    exchange_ts_ms: int | None = None


class ChannelError(msgspec.Struct, frozen=True, tag="channel_error"):
    """An `error` frame from the exchange (code and message as sent)."""

    code: int
    message: str
    market_ticker: str | None
    received_ns: int
    exchange_ts_ms: int | None = None


class Malformed(msgspec.Struct, frozen=True, tag="malformed"):
    """A frame that could not be decoded; the sequence check catches what it hid."""

    reason: str
    received_ns: int
    exchange_ts_ms: int | None = None


FeedEvent = (
    Connected
    | Disconnected
    | Gap
    | Resync
    | ResyncStep
    | Resynced
    | ChannelError
    | Malformed
    | ChannelData
)
