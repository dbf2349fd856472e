"""A live paper session: discover the series' open events, subscribe to their books and
trades, record every message used (orderbook_snapshots, orderbook_deltas, trades), run
the `PaperEngine`, journal orders and fills as they happen, and value the result.
Every warehouse call runs on a worker thread, so the event loop reading the feed never
waits for a commit (`Journal`).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal

from kalshi_tape.backtest.execution.book import TapeTrade
from kalshi_tape.backtest.execution.events import BAR_S, EventMeta, event_meta, fee_schedule
from kalshi_tape.client import BookFeed, KalshiClient
from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.core.domain import Event, Market, OrderbookDelta, OrderbookSnapshot, TradeUpdate
from kalshi_tape.core.errors import KtapeError
from kalshi_tape.paper.engine import FillEntry, OrderEntry, PaperEngine, settle
from kalshi_tape.paper.journal import SessionRow, write_entries, write_session
from kalshi_tape.settings.paper import PaperModel
from kalshi_tape.settings.shared import Settings
from kalshi_tape.storage import Store
from kalshi_tape.storage.records import trade_from_update
from kalshi_tape.strategy import Strategy, create_strategy

CHANNELS = ("orderbook_delta", "trade")
PAPER = PaperModel()  # the defaults of the `paper:` settings
OPEN_STATUSES = frozenset({"active", "open", "initialized", "unopened"})


class PaperError(KtapeError):
    """A paper session that cannot start (no open events, unknown series, ...)."""


@dataclass(frozen=True, slots=True)
class PaperConfig:
    series: str
    strategy: str
    params: Mapping[str, str] = field(default_factory=dict)
    max_bars: int | None = None  # stop after this many bars
    seconds: float | None = None  # stop after this much wall time
    bar_s: int = BAR_S  # the bar period, seconds of exchange time
    flush_every: int = PAPER.flush_every  # messages between writes of the recorded tape
    closed_poll_s: float = PAPER.closed_poll_s  # wall s between REST checks that all closed


@dataclass(slots=True)
class Tape:
    """Messages used since the last flush, to record."""

    snapshots: list[OrderbookSnapshot] = field(default_factory=list)
    deltas: list[OrderbookDelta] = field(default_factory=list)
    trades: list[TradeUpdate] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.snapshots) + len(self.deltas) + len(self.trades)


def trade_ts_ms(update: TradeUpdate) -> int:
    """Exchange time of a trade as stored (`trade_from_update`'s rule), in ms."""
    if update.exchange_ts_ms is not None:
        return update.exchange_ts_ms
    return update.received_ns // 10**6


def new_session_id(clock: Clock) -> str:
    moment = datetime.fromtimestamp(clock.now_ns() / 1e9, UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


async def open_events(client: KalshiClient, store: Store, series: str) -> list[Event]:
    """The series' open events (with markets), stored so backtest loaders can read them."""
    found = await client.get_series(series)
    events = [
        e
        async for e in client.iter_events(
            series_ticker=series, status="open", with_nested_markets=True
        )
    ]
    events = [e for e in events if e.markets]
    if not events:
        raise PaperError(f"no open {series} events to trade")
    markets = [m for e in events for m in e.markets]
    await asyncio.to_thread(store.commit_chunk, series=[found], events=events, markets=markets)
    return events


def _metas(store: Store, series: str, events: list[Event]) -> list[EventMeta]:
    fees = fee_schedule(store, series)
    return [event_meta(store, e.event_ticker, fees) for e in events]


async def run_session(
    settings: Settings,
    store: Store,
    config: PaperConfig,
    *,
    stop: asyncio.Event | None = None,
    clock: Clock = SYSTEM_CLOCK,
    strategy: Strategy | None = None,
) -> SessionRow:
    """Run one session until `stop`, `max_bars`, `seconds` or every event closed.
    `strategy` defaults to the registered one named in `config`."""
    strategy = strategy or create_strategy(config.strategy, config.params)
    async with KalshiClient(settings) as client:
        events = await open_events(client, store, config.series)
        metas = await asyncio.to_thread(_metas, store, config.series, events)
        row = SessionRow(new_session_id(clock), config.strategy, dict(config.params),
                         config.series, settings.base_url, clock.now_ns(),
                         event_tickers=[m.event_ticker for m in metas])  # fmt: skip
        await asyncio.to_thread(write_session, store, row)
        engine = PaperEngine(metas, strategy, now_ns=clock.now_ns, bar_s=config.bar_s)
        tickers = [t for m in metas for t in m.tickers]
        feed = BookFeed(settings, tickers, channels=CHANNELS, clock=clock)

        async def all_closed() -> bool:
            for meta in metas:
                async for market in client.iter_markets(event_ticker=meta.event_ticker):
                    if market.status in OPEN_STATUSES:
                        return False
            return True

        await _drive(feed, engine, store, row, config, stop or asyncio.Event(), all_closed)
        results = await _results(client, store, tickers)
    return await asyncio.to_thread(finish, store, row, engine, results, clock)


async def _drive(
    feed: BookFeed,
    engine: PaperEngine,
    store: Store,
    row: SessionRow,
    config: PaperConfig,
    stop: asyncio.Event,
    all_closed: Callable[[], Awaitable[bool]],
) -> None:
    loop = asyncio.get_running_loop()
    deadline = None if config.seconds is None else loop.time() + config.seconds
    tape = Tape()

    def done() -> bool:
        if stop.is_set() or (deadline is not None and loop.time() >= deadline):
            return True
        return config.max_bars is not None and engine.bars >= config.max_bars

    journal = Journal(store, engine, row.session_id)
    async with feed:
        guard = asyncio.create_task(_watchdog(feed, done, stop, all_closed, config.closed_poll_s))
        try:
            async for event in feed.events():
                bars = engine.bars
                _use(event, engine, tape, row)
                if len(tape) >= config.flush_every or engine.bars != bars:
                    tape = await journal.hand_over(tape)
                if done():
                    break
        finally:
            guard.cancel()
            await feed.close()
            await journal.hand_over(tape)
            await journal.close()


async def _watchdog(
    feed: BookFeed,
    done: Callable[[], bool],
    stop: asyncio.Event,
    all_closed: Callable[[], Awaitable[bool]],
    closed_poll_s: float,
) -> None:
    """Stops the session on time, on request, or once every market has closed (a closed
    market sends nothing more, so only the exchange's REST status tells)."""
    loop = asyncio.get_running_loop()
    polled = loop.time()
    while not done():
        await asyncio.sleep(0.1)
        if loop.time() - polled >= closed_poll_s:
            polled = loop.time()
            if await all_closed():
                stop.set()
    await feed.close()


def _use(event: object, engine: PaperEngine, tape: Tape, row: SessionRow) -> None:
    """Feed one stream message to the engine and keep it for the recording."""
    if isinstance(event, OrderbookSnapshot):
        engine.on_snapshot(event.market_ticker, event.yes, event.no, event.received_ns // 10**6)
        tape.snapshots.append(event)
    elif isinstance(event, OrderbookDelta):
        if event.book_state == "live":  # others arrived while the book awaited a snapshot
            engine.on_delta(event.market_ticker, event.side, event.price, event.delta,
                            event.exchange_ts_ms)  # fmt: skip
        tape.deltas.append(event)
    elif isinstance(event, TradeUpdate):
        ts_ms = trade_ts_ms(event)
        engine.on_trade(TapeTrade(ts_ms, event.trade_id, event.market_ticker,
                                  Decimal(event.yes_price), Decimal(event.count)))  # fmt: skip
        tape.trades.append(event)
        row.trades_from_ms = min(ts_ms, row.trades_from_ms or ts_ms)
        row.trades_to_ms = max(ts_ms, row.trades_to_ms or ts_ms)
    else:
        return
    received = getattr(event, "received_ns", 0)
    row.tape_from_ns = received if row.tape_from_ns is None else row.tape_from_ns
    row.tape_to_ns = received


class Journal:
    """The session's warehouse writes (the recorded tape, orders, fills) on a worker thread,
    one batch at a time and in order: the event loop hands a batch over and goes on
    reading the feed, so a slow commit never stalls it."""

    def __init__(self, store: Store, engine: PaperEngine, session_id: str) -> None:
        self.store = store
        self.engine = engine
        self.session_id = session_id
        self._writing: asyncio.Future[None] | None = None

    async def hand_over(self, tape: Tape) -> Tape:
        """Start writing `tape` and the new orders and fills; returns an empty tape. Waits
        only for the previous batch (one write at a time keeps them in order)."""
        changed, fills = self.engine.take_new()
        orders = [replace(o) for o in changed]  # a copy: the engine goes on changing them
        keys = [o.order_id for o in orders] + [f"{f.order_id}/{f.n}" for f in fills]
        received = {k: self.engine.received_ns[k] for k in keys if k in self.engine.received_ns}
        await self.close()
        if len(tape) or orders or fills:
            self._writing = asyncio.ensure_future(
                asyncio.to_thread(self._write, tape, orders, fills, received)
            )
        return Tape()

    async def close(self) -> None:
        """Wait for the batch being written (its error, if any, is raised here)."""
        writing, self._writing = self._writing, None
        if writing is not None:
            await writing

    def _write(
        self,
        tape: Tape,
        orders: Sequence[OrderEntry],
        fills: Sequence[FillEntry],
        received: Mapping[str, int],
    ) -> None:
        if len(tape):
            self.store.commit_chunk(
                orderbook_snapshots=tape.snapshots,
                orderbook_deltas=tape.deltas,
                trades=[trade_from_update(t) for t in tape.trades],
            )
        write_entries(self.store, self.session_id, orders, fills, received)


async def _results(client: KalshiClient, store: Store, tickers: list[str]) -> dict[str, bool]:
    """Settled results of the traded markets now (markets re-stored with them)."""
    markets: list[Market] = [await client.get_market(t) for t in tickers]
    await asyncio.to_thread(store.commit_chunk, markets=markets)
    return {m.ticker: m.result == "yes" for m in markets if m.result in ("yes", "no")}


def finish(
    store: Store, row: SessionRow, engine: PaperEngine, results: Mapping[str, bool], clock: Clock
) -> SessionRow:
    """Value the positions, write the session's outcome, return it."""
    value, settled = Decimal(0), True
    for track in engine.events.values():
        part, done = settle(track, results)
        value += part
        settled = settled and done
    row.ended_ns = clock.now_ns()
    row.bars = engine.bars
    row.first_bar_ts = engine.first_bar_ts
    row.last_bar_ts = None if engine.bar_end is None else engine.bar_end - engine.bar_s
    row.fills = len(engine.fills)
    row.fees = sum((f.fill.fee for f in engine.fills), Decimal(0))
    row.cash = engine.cash
    row.pnl = engine.cash + value
    row.settled = settled
    write_session(store, row)
    return row
