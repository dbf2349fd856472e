"""Self-healing order books over one WebSocket.

`FeedState` is the protocol logic without I/O: frames in, events and command frames out
(`outbox`). `BookFeed` drives it over a `Connection`.

Resync model: a book exists only between a snapshot and the next sign that it may be
stale. On a `seq` gap every book of that subscription is dropped (a lost frame could
have touched any of them); on a failed invariant only that market's book. Dropped
markets wait for a fresh snapshot (`update_subscription` / `get_snapshot`; if the
exchange refuses that, unsubscribe and subscribe again) and their deltas are yielded
marked, not applied, until it arrives — a snapshot always replaces a book, it is never
merged into old state. A timer on the injected clock escalates an overdue snapshot
(`resync`): get_snapshot again, resubscribe the market, reconnect, then a REST fetch.
A channel error 10/25 resubscribes the channel. A disconnect drops every book; the
reconnect subscribes everything again.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

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
from kalshi_tape.client.stream.resync import ResyncPolicy
from kalshi_tape.client.stream.subscriptions import ORDERBOOK
from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.core.closing import AsyncClosing
from kalshi_tape.core.domain import Orderbook
from kalshi_tape.core.errors import KalshiError
from kalshi_tape.settings.shared import Settings

RestBook = Callable[[str], Awaitable[Orderbook]]

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
        resync_timeout: float | None = None,
        resync: ResyncPolicy | None = None,
        rest_book: RestBook | None = None,
    ) -> None:
        self.clock = clock or SYSTEM_CLOCK
        rng = rng or random.Random()
        self.state = FeedState(
            tickers,
            channels,
            clock=self.clock,
            resync_timeout=resync_timeout,
            rng=random.Random(rng.getrandbits(64)),
            policy=resync,
        )
        self.state.rest_enabled = rest_book is not None
        self._rest_book = rest_book
        self._rest_tasks: set[asyncio.Task[None]] = set()
        self._sending: asyncio.Task[None] | None = None
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
        for task in [*self._rest_tasks, *([self._sending] if self._sending else [])]:
            task.cancel()
        await self.connection.close()

    aclose = close  # what `async with` awaits (AsyncClosing)

    def drain(self) -> list[FeedEvent]:
        """Events of the timer (resync steps, REST books) not yielded yet: a caller that
        must not wait for the next frame takes them here; `events()` never repeats them."""
        events, self._tick_events = self._tick_events, []
        return events

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
        rest = self.drain()
        if rest:
            yield rest

    async def _tick_forever(self) -> None:
        """The resync timer: wake at the next deadline (at most TICK_S apart)."""
        while True:
            due = self.state.resync.next_deadline()
            wait = TICK_S if due is None else min(TICK_S, due - self.clock.monotonic())
            await asyncio.sleep(max(0.001, wait))
            self._tick_events.extend(self.state.on_tick())
            await self._act()

    async def _act(self) -> None:
        """Send what the state asks for: commands, a reconnect, REST fetches. Never waits
        on the socket: a send stuck behind a full buffer must not stop the timer (whose
        next step may be the reconnect that unsticks it)."""
        if self.state.take_reconnect():
            self.connection.drop("resync: snapshot overdue, reconnecting")
        if self.state.outbox and (self._sending is None or self._sending.done()):
            self._sending = asyncio.create_task(self._flush())
        for ticker in self.state.take_rest_wanted():
            task = asyncio.create_task(self._fetch_rest(ticker))
            self._rest_tasks.add(task)
            task.add_done_callback(self._rest_tasks.discard)

    async def _fetch_rest(self, ticker: str) -> None:
        assert self._rest_book is not None
        try:
            book = await self._rest_book(ticker)
        except (KalshiError, OSError):
            self.state.rest_failed(ticker)  # the timer tries again
            return
        self.state.on_rest_book(ticker, book)

    async def _flush(self) -> None:
        await self.connection.send(self.state.take_outbox())
