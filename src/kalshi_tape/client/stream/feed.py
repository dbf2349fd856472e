"""Self-healing order books over one WebSocket.

`FeedState` is the protocol logic without I/O: frames in, events and command frames out
(`outbox`); its docstring states the resync model. `BookFeed` drives it over a
`Connection`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterable

from kalshi_tape.client.auth import Signer
from kalshi_tape.client.stream.connection import Connection, ConnectionOptions
from kalshi_tape.client.stream.events import Connected, FeedEvent
from kalshi_tape.client.stream.feed_state import (
    MARKET_NOT_FOUND,
    TERMINAL_CHANNEL_ERRORS,
    FeedState,
    FeedStats,
)
from kalshi_tape.client.stream.orderbook import OrderBook
from kalshi_tape.client.stream.subscriptions import ORDERBOOK
from kalshi_tape.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.closing import AsyncClosing
from kalshi_tape.settings.shared import Settings

__all__ = [
    "MARKET_NOT_FOUND",
    "TERMINAL_CHANNEL_ERRORS",
    "TICK_S",
    "BookFeed",
    "FeedState",
    "FeedStats",
]

TICK_S = 0.5


class BookFeed(AsyncClosing):
    """Order books (and optionally ticker/trade/lifecycle messages) for a set of markets.

    ```python
    async with BookFeed(settings, ["KXHIGHNY-26JUN02-B79.5"]) as feed:
        async for event in feed.events():
            book = feed.books.get("KXHIGHNY-26JUN02-B79.5")
    ```
    """

    def __init__(
        self,
        settings: Settings,
        tickers: Iterable[str] = (),
        *,
        channels: Iterable[str] = (ORDERBOOK,),
        clock: Clock | None = None,
        rng: random.Random | None = None,
        options: ConnectionOptions | None = None,
        resync_timeout: float = 5.0,
    ) -> None:
        self.clock = clock or SYSTEM_CLOCK
        self.state = FeedState(tickers, channels, clock=self.clock, resync_timeout=resync_timeout)
        self.connection = Connection(
            settings.resolved_ws_url,
            signer=Signer.from_settings(settings, self.clock),
            clock=self.clock,
            rng=rng,
            options=options,
        )
        self._tick_events: list[FeedEvent] = []

    @property
    def books(self) -> dict[str, OrderBook]:
        """Books in sync right now (a market being resynchronised is absent)."""
        return self.state.books

    @property
    def stats(self) -> FeedStats:
        return self.state.stats

    @property
    def synced(self) -> bool:
        return self.state.synced

    async def close(self) -> None:
        await self.connection.close()

    aclose = close  # what `async with` awaits (AsyncClosing)

    async def add_markets(self, tickers: Iterable[str]) -> None:
        self.state.add_markets(tickers)
        await self._flush()

    async def remove_markets(self, tickers: Iterable[str]) -> None:
        self.state.remove_markets(tickers)
        await self._flush()

    async def events(self) -> AsyncIterator[FeedEvent]:
        """Run the connection and yield every event until `close()`."""
        async for events in self.batches():
            for event in events:
                yield event

    async def batches(self) -> AsyncIterator[list[FeedEvent]]:
        """Like `events()`, a frame's events at a time (never empty): one step of the
        iterator per frame instead of per event, for the collector's hot loop."""
        ticker = asyncio.create_task(self._tick_forever())
        state = self.state
        try:
            async for item in self.connection.run():
                if isinstance(item, tuple):
                    events = state.handle_frame(item[0], item[1])
                elif isinstance(item, Connected):
                    events = state.on_connected(item)
                else:
                    events = state.on_disconnected(item)
                if state.outbox:
                    await self._flush()
                if self._tick_events:
                    events = self._tick_events + events
                    self._tick_events = []
                if events:
                    yield events
        finally:
            ticker.cancel()

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            self._tick_events.extend(self.state.on_tick())
            if self.state.outbox:
                await self._flush()

    async def _flush(self) -> None:
        await self.connection.send(self.state.take_outbox())
