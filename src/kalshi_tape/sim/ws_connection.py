"""One WebSocket connection's state in the simulator: its subscriptions (per-sid seq) and its
outgoing frame queue, plus the channel names the stream serves."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

from starlette.websockets import WebSocket

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
DEFAULT_MAX_QUEUE = 200_000


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
    stalled: bool = False  # fault ws_stall_after: silent, neither writing nor reading
    max_queue: int = DEFAULT_MAX_QUEUE  # frames queued before the subscriptions are dropped
    snapshotted: set[str] = field(default_factory=set)  # markets sent a book snapshot

    def push(self, frame: str) -> None:
        if self.overflowed:
            return
        if len(self.out) >= self.max_queue:
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
