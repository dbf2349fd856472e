"""REST side of the collector: the trade sweep (every mode) and book polling (`--poll`).

Trade sweep: the trade channel has no sequence numbers, so a lost or malformed trade
frame would go unnoticed. Every `trade_sweep_seconds`, and soon after any disconnect or
malformed frame, the collector reads `/markets/trades` since the previous sweep (minus
a margin, in exchange time) and stores the trades of tracked markets it had not seen.
The first sweep reads each tracked market's trades since the newest one already stored
(its whole history when none is), which also fills what a previous run missed while it
was down. Duplicates are dropped by trade_id.

Polling (no API key): every `poll_interval_seconds` one round of `/markets/orderbooks`
(100 markets per request) and `/markets?tickers=` gives books (sid 0, seq 0, trigger
`poll`) and ticker state, all under one received_ns, within the client's rate tier.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from kalshi_tape.client import KalshiClient
from kalshi_tape.collector.recorder import Recorder, TickerState
from kalshi_tape.collector.snapshots import add_polled_snapshots
from kalshi_tape.core.clock import Clock
from kalshi_tape.core.domain import Market, Trade

log = logging.getLogger("kalshi_tape.collector.poller")

SWEEP_MARGIN_S = 120
# A restart re-reads an hour before the newest stored trade: the batch lost in a crash may
# hold trades a sweep found late (older than trades already committed).
RESUME_MARGIN_S = 3600
MARKETS_PER_REQUEST = 100


class TradeSweeper:
    def __init__(self, client: KalshiClient, recorder: Recorder, clock: Clock) -> None:
        self.client = client
        self.recorder = recorder
        self.clock = clock
        self.from_ms: int | None = None  # exchange time the next sweep starts from
        self.resume_s: dict[str, int] = {}  # ticker -> newest stored trade (Unix s), at start
        self.pending: set[str] = set()  # markets to read on their own at the next sweep
        self.sweeps = 0
        self.found = 0

    def resume(self, tickers: Iterable[str], newest_s: dict[str, int]) -> None:
        """Markets taken over (a fleet handover): the next sweep reads each since its newest
        stored trade (minus the resume margin; whole history when none), as at a start."""
        self.resume_s.update(newest_s)
        self.pending |= set(tickers)

    async def _resumed(self, tickers: Iterable[str]) -> list[Trade]:
        trades: list[Trade] = []
        for ticker in sorted(tickers):
            stored = self.resume_s.get(ticker)
            since = None if stored is None else max(0, stored - RESUME_MARGIN_S)
            trades += [t async for t in self.client.iter_trades(ticker=ticker, min_ts=since)]
        return trades

    async def sweep(self, tickers: Iterable[str]) -> int:
        """One sweep; returns the number of trades not seen before."""
        tracked = set(tickers)
        start_ms = self._exchange_now_ms()
        trades: list[Trade] = []
        if self.from_ms is None:
            trades = await self._resumed(tracked)
        else:
            pending = self.pending & tracked
            trades = await self._resumed(pending)
            since = max(0, self.from_ms // 1000 - SWEEP_MARGIN_S)
            async for trade in self.client.iter_trades(min_ts=since):
                if trade.ticker in tracked and trade.ticker not in pending:
                    trades.append(trade)
            self.pending -= pending
        trades.sort(key=lambda t: (t.created_time, t.trade_id))
        new = self.recorder.add_trades(trades, self.clock.now_ns())
        if trades:
            newest = int(trades[-1].created_time.timestamp() * 1000)
            self.recorder.exchange_now_ms = max(self.recorder.exchange_now_ms, newest)
        # Exchange time as known when the sweep began (a later value could skip trades
        # made while it ran); unknown yet -> the next sweep reads every market again.
        self.from_ms = start_ms or None
        self.sweeps += 1
        self.found += new
        if new and self.sweeps > 1:
            log.info("trade sweep found %d trade(s) the stream had not delivered", new)
        return new

    def _exchange_now_ms(self) -> int:
        return self.recorder.exchange_now_ms


async def poll_once(
    client: KalshiClient, recorder: Recorder, tickers: list[str], clock: Clock
) -> int:
    """One polling round of books and market state; returns the number of snapshots."""
    markets: list[Market] = []
    for i in range(0, len(tickers), MARKETS_PER_REQUEST):
        page = await client.get_markets(tickers=tickers[i : i + MARKETS_PER_REQUEST], limit=1000)
        markets += page.items
    books = await client.get_orderbooks(tickers)
    received_ns = clock.now_ns()
    state = recorder.state
    for market in markets:
        entry = state.setdefault(market.ticker, TickerState())
        entry.last_price = market.last_price
        entry.volume = market.volume
        entry.open_interest = market.open_interest
    rows = recorder.writer.rows
    n = add_polled_snapshots(rows, received_ns=received_ns, books=books, state=state)
    rows.received.append(received_ns)
    for book in books:
        if book.ticker is not None:
            best_bid = max(p for p, _ in book.yes) if book.yes else None
            best_ask = max(p for p, _ in book.no).complement() if book.no else None
            ts_ms = recorder.exchange_now_ms or received_ns // 1_000_000
            recorder.candles.quote(book.ticker, ts_ms, best_bid, best_ask)
    recorder.metrics.snapshots.labels("poll").inc(n)
    return n
