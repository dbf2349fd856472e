"""The collector daemon: discovery, the live feed, snapshots, candles, sweeps, the writer.

```python
collector = Collector(config, store, clock)
await collector.run()            # until collector.stop() (the CLI wires SIGTERM/SIGINT)
```

Tasks on one event loop: the feed reader (`BookFeed` events -> `Recorder` rows), a
`tick_seconds` ticker (quotes settle, snapshot planner, candles, metrics, flushes), the
trade sweep, rediscovery and lifecycle handling. Writes happen on the writer's thread.
With `config.poll` there is no WebSocket: a poller takes REST snapshots instead.
Other loops (paper trading) can reuse the plumbing: `feed_events()` yields every feed
event after the recorder has handled it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from kalshi_tape.client import BookFeed, KalshiClient
from kalshi_tape.client.stream import ConnectionOptions, FeedEvent
from kalshi_tape.collector.candles import CandleBuilder
from kalshi_tape.collector.fleet import FleetMember, LeaseBook, MemberReport
from kalshi_tape.collector.fleet.leases import new_member_id
from kalshi_tape.collector.metrics import CollectorMetrics
from kalshi_tape.collector.poller import TradeSweeper, poll_once
from kalshi_tape.collector.recorder import Recorder, quote_of
from kalshi_tape.collector.schedule import IntervalPlan, SnapshotPlanner, SpikeRule
from kalshi_tape.collector.snapshots import add_book_snapshots
from kalshi_tape.collector.spool import Spool
from kalshi_tape.collector.tracking import Tracker
from kalshi_tape.collector.watch import WatchLog
from kalshi_tape.collector.writer import CollectorWriter
from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.core.errors import KalshiError
from kalshi_tape.settings.collector import CollectorConfig
from kalshi_tape.storage import Store
from kalshi_tape.storage.records import SequenceGapRow

log = logging.getLogger("kalshi_tape.collector")

CHANNELS = ("orderbook_delta", "ticker", "trade", "market_lifecycle_v2")
TICK_S = 0.1
TROUBLE_SWEEP_DELAY_S = 1.0


class Collector:
    def __init__(
        self,
        config: CollectorConfig,
        store: Store | None,
        clock: Clock = SYSTEM_CLOCK,
        *,
        reopen: Callable[[], Store] | None = None,
        rng: random.Random | None = None,
        client: KalshiClient | None = None,
        connection: ConnectionOptions | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.rng = rng or random.Random()
        self.metrics = CollectorMetrics()
        self.spool = Spool(config.spool_dir, max_bytes=config.max_spool_bytes)
        self.writer = self._writer(store, reopen)
        spikes = SpikeRule(config.spike_threshold, config.spike_cooldown_seconds)
        intervals = IntervalPlan(config.interval_seconds, config.interval_overrides)
        self.planner = SnapshotPlanner(intervals, spikes)
        self.candles = CandleBuilder()
        self.recorder = Recorder(self.writer, self.planner, self.candles, self.metrics)
        self.fleet = self._fleet_member() if config.fleet else None
        owner = self.fleet.mine if self.fleet is not None else None
        self.tracker = Tracker(config.events, config.series, config.shard, owner=owner)
        self._fleet_task: asyncio.Task[None] | None = None
        self.client = client or KalshiClient(config.settings, clock=clock, rng=self.rng)
        self._own_client = client is None
        self.sweeper = TradeSweeper(self.client, self.recorder, clock)
        self.feed: BookFeed | None = None
        self.watch = WatchLog()  # streamed markets since when: coverage records
        self._connection = connection
        self._stop = asyncio.Event()
        self._listeners: list[Callable[[FeedEvent], Any]] = []
        self._lifecycle_task: asyncio.Task[None] | None = None
        self.metrics_port: int | None = None

    def _writer(self, store: Store | None, reopen: Callable[[], Store] | None) -> CollectorWriter:
        return CollectorWriter(
            store,
            self.spool,
            clock=self.clock,
            metrics=self.metrics,
            reopen=reopen,
            flush_max_rows=self.config.flush_max_rows,
            max_age_s=self.config.flush_interval_seconds,
        )

    # ------------------------------------------------------------------ control

    def stop(self) -> None:
        """Ask `run()` to flush everything and return (safe from a signal handler)."""
        self._stop.set()

    def add_listener(self, listener: Callable[[FeedEvent], Any]) -> None:
        """Call `listener(event)` for every feed event after it was recorded."""
        self._listeners.append(listener)

    def _fleet_member(self) -> FleetMember:
        book = LeaseBook(self.config.db, new_member_id(f"{self.rng.getrandbits(32):08x}"))
        return FleetMember(
            book,
            lease_seconds=self.config.lease_seconds,
            clock=self.clock,
            on_change=self._reassign,
            report=self._fleet_report,
        )

    def _fleet_report(self) -> MemberReport:
        p50, p99 = (None if v != v else v for v in self.writer.lag.percentiles(50, 99))
        messages = self.feed.stats.frames if self.feed is not None else 0
        return MemberReport(len(self.tracker.tickers), messages, p50, p99)

    async def run(self) -> None:
        self.writer.start()
        if self.config.metrics_port is not None:
            self.metrics_port = self.metrics.serve(
                self.config.metrics_port, self.config.metrics_host
            )
        start = SequenceGapRow(self.clock.now_ns(), "reconnect", detail="collector started")
        self.writer.rows.sequence_gaps.append(start)
        try:
            await self._first_discovery()
            if self._stop.is_set():
                return
            if self.fleet is not None:  # stops by itself at stop(), giving its leases back
                self._fleet_task = asyncio.create_task(self.fleet.run(self._stop))
            tasks = [self._ticker(), self._sweeps(), self._rediscover(), self._status()]
            tasks.append(self._poll() if self.config.poll else self._stream())
            runners = [asyncio.create_task(t) for t in tasks]
            stopper = asyncio.create_task(self._stop.wait())
            fleet = [self._fleet_task] if self._fleet_task is not None else []
            done, _ = await asyncio.wait([stopper, *runners, *fleet], return_when="FIRST_COMPLETED")
            if self.feed is not None:  # end the stream first: a busy socket can outlive a
                await self.feed.close()  # cancel (asyncio.wait_for may swallow it on 3.11)
            for task in [stopper, *runners]:
                task.cancel()
            await asyncio.wait([stopper, *runners], timeout=self.config.stop_timeout_s)
            for task in done:
                if task is not stopper and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
                if task in fleet and not self._stop.is_set():
                    raise RuntimeError("the fleet task ended on its own")
        finally:
            await self._shutdown()

    async def _shutdown(self) -> None:
        if self.feed is not None:
            self.recorder.settle_quotes(self.feed)
            await self.feed.close()
        if self._fleet_task is not None:  # after the feed: no event is recorded twice
            self._fleet_gaps(self.tracker.tickers, self.clock.now_ns(), "stopped")
            self._stop.set()
            await asyncio.wait([self._fleet_task], timeout=self.config.stop_timeout_s)
        if self._own_client:
            await self.client.aclose()
        self.writer.rows.candles += self.candles.close_until(self.recorder.exchange_now_ms)
        self.writer.rows.backfill_progress += self.watch.stop_all(self._exchange_ns())
        await self.writer.close()

    def _exchange_ns(self) -> int:
        return self.recorder.exchange_now_ms * 1_000_000

    # ------------------------------------------------------------------ markets

    async def _discover(self) -> None:
        found = await self.tracker.discover(self.client)
        if self.feed is None:
            added, removed = self.tracker.update(found.markets)
        else:  # keep markets lifecycle added; drop only those the exchange says ended
            added = self.tracker.add(found.markets)
            removed = await self.tracker.ended(self.client, found.markets)
        rows = self.writer.rows
        rows.events += found.events
        rows.markets += found.markets
        if self.fleet is not None:
            self.fleet.offer(self.tracker.candidates)
        self.metrics.markets.set(len(self.tracker.tickers))
        if self.feed is not None:
            await self._apply(added, removed)
        log.info("tracking %d markets", len(self.tracker.tickers))

    async def _first_discovery(self) -> None:
        """Discover until it works (the exchange may be down at start) or stop() is called."""
        while not self._stop.is_set():
            try:
                await self._discover()
                return
            except KalshiError as exc:
                log.warning(
                    "discovery failed, retrying in %.0f s: %s", self.config.discovery_retry_s, exc
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.config.discovery_retry_s)

    async def _apply(self, added: set[str], removed: set[str]) -> None:
        for ticker in removed:
            self.planner.forget(ticker)
            self.candles.forget(ticker)
            self.metrics.forget(ticker)
        if self.feed is not None:
            self.writer.rows.backfill_progress += self.watch.stop(removed, self._exchange_ns())
            if added:
                await self.feed.add_markets(sorted(added))
                self.watch.start(added)
            if removed:
                await self.feed.remove_markets(sorted(removed))
        self.metrics.markets.set(len(self.tracker.tickers))
        if added or removed:
            log.info(
                "markets +%d -%d (tracking %d)", len(added), len(removed), len(self.tracker.tickers)
            )

    async def _reassign(self) -> None:
        """The fleet's leases changed: collect what this process holds now, and mark the
        markets let go (the book is unknown there until the next holder's snapshot)."""
        assert self.fleet is not None
        events_before = dict(self.tracker.market_event)
        added, removed = self.tracker.reassign()
        now = self.clock.now_ns()
        # an event discovery no longer lists ended: its markets were not handed to anyone
        handed = {t for t in removed if events_before.get(t) in self.tracker.candidates}
        self._fleet_gaps(handed, now, "let go")
        for ticker in sorted(added):  # unknown from the previous holder's last heartbeat
            since = self.fleet.since.get(self.tracker.market_event[ticker], now)
            self._fleet_gaps([ticker], since, "took over")
        if added:
            self.sweeper.resume(added, await asyncio.to_thread(self._newest_trades, added))
        self.metrics.show_fleet(self.fleet.held, self.fleet.heartbeat_ns, self.fleet.db_ok)
        self.metrics.fleet_lost.set(self.fleet.lost)
        await self._apply(added, removed)

    def _fleet_gaps(self, tickers: Iterable[str], at_ns: int, what: str) -> None:
        """A gap row per market: `ktape book` answers unknown from here to the next
        holder's first snapshot."""
        assert self.fleet is not None
        detail = f"fleet handover: {self.fleet.member_id} {what}"
        for ticker in sorted(tickers):
            gap = SequenceGapRow(at_ns, "reconnect", market_ticker=ticker, detail=detail)
            self.writer.rows.sequence_gaps.append(gap)

    async def _rediscover(self) -> None:
        while True:
            await asyncio.sleep(self.config.discovery_seconds)
            try:
                await self._discover()
            except Exception as exc:  # REST trouble: try again next round
                log.warning("rediscovery failed: %s", exc)

    async def _lifecycle(self) -> None:
        pending, self.recorder.lifecycle = self.recorder.lifecycle, []
        for msg in pending:
            added, removed, markets = await self.tracker.on_lifecycle(msg, self.client)
            self.writer.rows.markets += markets
            if self.fleet is not None:  # a new event: leased at the fleet's next round
                self.fleet.offer(self.tracker.candidates)
            await self._apply(added, removed)

    # ------------------------------------------------------------------ stream

    async def _stream(self) -> None:
        self.feed = BookFeed(
            self.config.settings,
            sorted(self.tracker.tickers),
            channels=CHANNELS,
            clock=self.clock,
            rng=self.rng,
            options=self._connection,
            rest_book=self.client.get_orderbook,  # the resync's last resort
        )
        self.watch.start(self.tracker.tickers)
        async for events in self.feed.batches():  # the hot loop: one step per frame
            if self._record(events):
                await self.writer.flush()

    async def feed_events(self) -> AsyncIterator[FeedEvent]:
        assert self.feed is not None
        async for events in self.feed.batches():
            if self._record(events):
                await self.writer.flush()
            for event in events:
                yield event

    def _record(self, events: list[FeedEvent]) -> bool:
        """Record one frame's events; True when the writer's buffer is due (full, or its
        oldest row `flush_interval_seconds` old)."""
        recorder, feed, listeners = self.recorder, self.feed, self._listeners
        assert feed is not None
        for event in events:
            recorder.handle(event, feed)
            for listener in listeners:
                listener(event)
        self.watch.stamp(self._exchange_ns())
        lifecycle = self._lifecycle_task
        if recorder.lifecycle and (lifecycle is None or lifecycle.done()):
            self._lifecycle_task = asyncio.create_task(self._lifecycle())
        return self.writer.due

    # ------------------------------------------------------------------ periodic work

    async def _status(self) -> None:
        while True:
            await asyncio.sleep(self.config.status_every_s)
            log.info("%s", self.metrics.status_line(*self.writer.lag.percentiles(50, 99)))

    async def _ticker(self) -> None:
        interval = self.config.flush_interval_seconds
        last_flush = self.clock.monotonic()
        while True:
            await asyncio.sleep(TICK_S)
            self._drain_feed()
            self._snapshot_round()
            rows = self.writer.rows
            rows.candles += self.candles.close_until(self.recorder.exchange_now_ms)
            now = self.clock.monotonic()
            if now - last_flush >= interval or self.writer.due:
                last_flush = now
                self.metrics.refresh_ages(self.clock.now_ns())
                self._refresh_gauges()
                for channel, n in self.recorder.take_counts().items():
                    self.metrics.messages.labels(channel).inc(n)
                await self.writer.flush()

    def _refresh_gauges(self) -> None:
        """What `ktape collect status` shows, on /metrics too: lag, leases, heartbeat."""
        self.metrics.show_lag(*self.writer.lag.percentiles(50, 99))
        fleet = self.fleet
        if fleet is not None:
            self.metrics.show_fleet(fleet.held, fleet.heartbeat_ns, fleet.db_ok)
            self.metrics.fleet_lost.set(fleet.lost)

    def _drain_feed(self) -> None:
        """Record the feed's timer events (resync steps, REST books) now, not at the next
        frame: a quiet socket must not hold them back."""
        if self.feed is None:
            return
        for event in self.feed.drain():
            self.recorder.handle(event, self.feed)
            for listener in self._listeners:
                listener(event)

    def _snapshot_round(self) -> None:
        feed = self.feed
        if feed is None:
            return
        self.recorder.settle_quotes(feed)
        state = self.recorder.state
        quotes = {t: quote_of(b, state.get(t)) for t, b in feed.books.items()}
        now = self.clock.now_ns()
        periodic, spikes = self.planner.due(now, quotes)
        if not periodic and not spikes:
            return
        sid = feed.state.subs.sid_of("orderbook_delta") or 0
        seq = feed.state.seq.last(sid) or 0
        rows = self.writer.rows
        for trigger, tickers in (("interval", periodic), ("spike", spikes)):
            n = add_book_snapshots(
                rows,
                received_ns=now,
                trigger=trigger,
                books=feed.books,
                tickers=tickers,
                state=state,
                sid=sid,
                seq=seq,
            )
            self.metrics.snapshots.labels(trigger).inc(n)
        rows.received.append(now)
        self.planner.taken(now, periodic, spikes, quotes)

    async def _sweeps(self) -> None:
        last = self.clock.monotonic()
        self.sweeper.resume_s = await asyncio.to_thread(self._newest_trades)
        await self._sweep()
        period = self.config.trade_sweep_seconds
        if self.config.poll:
            period = min(period, self.config.poll_interval_seconds)
        while True:
            await asyncio.sleep(TICK_S * 5)
            now = self.clock.monotonic()
            trouble = self.recorder.trade_trouble and now - last >= TROUBLE_SWEEP_DELAY_S
            if trouble or now - last >= period:
                self.recorder.trade_trouble = False
                last = now
                await self._sweep()

    def _newest_trades(self, among: set[str] | None = None) -> dict[str, int]:
        """Newest stored trade (Unix s) per tracked market; empty when the database is down."""
        store, tickers = self.writer.store, sorted(self.tracker.tickers if among is None else among)
        if store is None or not tickers:
            return {}
        marks = ", ".join([store.placeholder] * len(tickers))
        sql = (
            "SELECT market_ticker, max(created_time) FROM trades "
            f"WHERE market_ticker IN ({marks}) GROUP BY market_ticker"
        )
        try:
            rows = store.sql(sql, tickers)
        except Exception as exc:
            log.warning("cannot read stored trades, sweeping whole histories: %s", exc)
            return {}
        return {str(t): int(ts.timestamp()) for t, ts in rows if ts is not None}

    async def _sweep(self) -> None:
        try:
            await self.sweeper.sweep(self.tracker.tickers)
        except Exception as exc:
            self.recorder.trade_trouble = True
            log.warning("trade sweep failed (will retry): %s", exc)
        else:
            self.metrics.sweeps.inc()

    async def _poll(self) -> None:
        while True:
            try:
                tickers = sorted(self.tracker.tickers)
                if tickers:
                    await poll_once(self.client, self.recorder, tickers, self.clock)
            except Exception as exc:
                log.warning("poll failed (will retry): %s", exc)
            await asyncio.sleep(self.config.poll_interval_seconds)


@contextlib.asynccontextmanager
async def running(collector: Collector) -> AsyncIterator[asyncio.Task[None]]:
    """Run a collector in the background of a block; stop and wait for it on exit."""
    task = asyncio.create_task(collector.run())
    try:
        yield task
    finally:
        collector.stop()
        await asyncio.gather(task, return_exceptions=True)
