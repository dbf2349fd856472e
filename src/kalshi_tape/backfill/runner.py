"""Run a backfill: resolve targets, plan, fetch concurrently within the rate budget, and
commit each request's rows together with its checkpoint.

Every planned request whose markets have closed is a unit of resume: its rows and its
`backfill_progress` row are committed in the same transaction (the writer may batch
several requests into one), so a run killed at any moment and started again skips what
is done and ends with exactly the rows of an uninterrupted run. Requests for markets
still trading are written without a checkpoint and fetched again by the next run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from kalshi_tape.backfill.plan import (
    CandleRequest,
    MarketTarget,
    Plan,
    TradeRequest,
    make_plan,
)
from kalshi_tape.backfill.writer import BatchingWriter
from kalshi_tape.client import KalshiClient
from kalshi_tape.client.discover import Selection, Targets, resolve_targets
from kalshi_tape.client.pagination import paginate
from kalshi_tape.client.rest_candles import CandleWindow
from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.core.coverage import coverage_record
from kalshi_tape.core.domain import Market, MarketCandlesticks, Page, Trade
from kalshi_tape.core.errors import BackfillError
from kalshi_tape.settings.backfill import BackfillModel
from kalshi_tape.storage import Store
from kalshi_tape.storage.records import BackfillProgress, CandleRecord

ProgressCallback = Callable[[str, int], None]  # (phase, requests finished)


class BackfillOptions(BackfillModel):
    """The `backfill:` settings of one run; `dry_run` plans and fetches nothing."""

    dry_run: bool = False

    @classmethod
    def env_names(cls) -> dict[str, str]:
        return BackfillModel.env_names()


@dataclass(slots=True)
class BackfillReport:
    plan: Plan
    todo: Plan
    events: int = 0
    markets: int = 0
    discovery_requests: int = 0
    fetch_requests: int = 0
    candle_rows: int = 0  # fetched and upserted (new or already stored)
    trade_rows: int = 0
    elapsed_s: float = 0.0
    # Rows the warehouse gained (its count after minus before; None when not measured).
    new_candle_rows: int | None = None
    new_trade_rows: int | None = None

    @property
    def requests(self) -> int:
        return self.discovery_requests + self.fetch_requests

    @property
    def rows(self) -> int:
        return self.candle_rows + self.trade_rows

    @property
    def requests_per_1000_rows(self) -> float:
        return 1000 * self.fetch_requests / self.rows if self.rows else 0.0


async def run_backfill(
    client: KalshiClient,
    store: Store,
    selection: Selection,
    options: BackfillOptions | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
    on_progress: ProgressCallback | None = None,
) -> BackfillReport:
    options = options or BackfillOptions()
    started = time.perf_counter()
    requests_before = client.stats.requests
    cutoff = await client.get_historical_cutoff()
    targets = await resolve_targets(client, selection, cutoff.market_settled_ts)
    now_ts = clock.now_ns() // 1_000_000_000
    plan = make_plan(
        market_targets(targets),
        options.periods,
        trades=options.trades,
        trades_cutoff_ts=int(cutoff.trades_created_ts.timestamp()),
        now_ts=now_ts,
    )
    report = BackfillReport(plan=plan, todo=plan, events=len(targets.events))
    report.markets = len(targets.markets)
    if not options.dry_run:
        store.commit_chunk(series=targets.series, events=targets.events, markets=targets.markets)
    report.todo = plan.without(store.finished_tasks("candles:") | store.finished_tasks("trades:"))
    report.discovery_requests = client.stats.requests - requests_before
    if not options.dry_run:
        await _execute(client, store, report, options, on_progress)
    report.elapsed_s = time.perf_counter() - started
    return report


def market_targets(targets: Targets) -> list[MarketTarget]:
    series_of_event = {e.event_ticker: e.series_ticker for e in targets.events}
    return [
        _market_target(m, series_of_event[m.event_ticker], m.ticker in targets.historical)
        for m in targets.markets
    ]


def _market_target(market: Market, series_ticker: str, historical: bool) -> MarketTarget:
    return MarketTarget(
        ticker=market.ticker,
        event_ticker=market.event_ticker,
        series_ticker=series_ticker,
        open_ts=_ts(market.open_time, market.ticker, "open_time"),
        close_ts=_ts(market.close_time, market.ticker, "close_time"),
        historical=historical,
        has_volume=market.volume > 0,
        settled=market.is_settled,
    )


def _ts(moment: datetime | None, ticker: str, name: str) -> int:
    if moment is None:
        raise BackfillError(f"market {ticker} has no {name}")
    return int(moment.timestamp())


# --------------------------------------------------------------------------- execution


async def _execute(
    client: KalshiClient,
    store: Store,
    report: BackfillReport,
    options: BackfillOptions,
    on_progress: ProgressCallback | None,
) -> None:
    before = client.stats.requests
    gate = asyncio.Semaphore(options.concurrency)

    async def candle_job(request: CandleRequest) -> None:
        async with gate:
            records, sent = await fetch_candles(client, request)
        checkpoint = _progress(request, records, sent)
        covered = _coverage(request) if checkpoint is not None else []
        await writer.write(checkpoint, candles=records, coverage=covered)
        report.candle_rows += len(records)
        if on_progress:
            on_progress("candles", 1)

    async def trade_job(request: TradeRequest) -> None:
        async with gate:
            trades, sent = await fetch_trades(client, request)
        await writer.write(_progress(request, trades, sent), trades=trades)
        report.trade_rows += len(trades)
        if on_progress:
            on_progress("trades", 1)

    writer = BatchingWriter(store, options.max_batch_rows, options.max_pending_chunks)
    try:
        async with writer, asyncio.TaskGroup() as group:
            for candle_request in report.todo.candles:
                group.create_task(candle_job(candle_request))
            for trade_request in report.todo.trades:
                group.create_task(trade_job(trade_request))
    except* Exception as failures:
        raise failures.exceptions[0] from None
    finally:
        report.fetch_requests = client.stats.requests - before


def _progress(
    request: CandleRequest | TradeRequest, rows: Sequence[object], requests: int
) -> BackfillProgress | None:
    """The checkpoint of a request whose data can no longer change; None for the rest
    (markets still trading are fetched again by the next run)."""
    if not request.final:
        return None
    kind = request.key.split(":", 1)[0]
    return BackfillProgress(
        task_key=request.key, kind=kind, rows=len(rows), requests=requests, detail=""
    )


def _coverage(request: CandleRequest) -> list[BackfillProgress]:
    """Coverage records of a final candle request: every period ending in its range is
    stored for each of its markets (a period without a candle had no trade and no quote
    change). For an event request the tickers are the event's markets."""
    step = request.period * 60
    first = -(-request.start_ts // step) * step
    last = request.end_ts // step * step
    if last < first:
        return []
    return [coverage_record("kalshi", t, request.period, first, last) for t in request.tickers]


async def fetch_candles(
    client: KalshiClient, request: CandleRequest
) -> tuple[list[CandleRecord], int]:
    """All candles of one planned request (following `adjusted_end_ts` if the exchange
    cuts the span shorter than planned). Returns (records, requests sent)."""
    results: list[MarketCandlesticks] = []
    sent = 0
    window = CandleWindow(
        start_ts=request.start_ts, end_ts=request.end_ts, period_interval=request.period
    )
    if request.route == "event":
        async for part in client.iter_event_candlesticks(
            request.series_ticker, request.event_ticker, **window
        ):
            sent += 1
            results.extend(part.markets)
    elif request.route == "batch":
        sent = 1
        results.extend(await client.get_batch_candlesticks(list(request.tickers), **window))
    else:
        sent = 1
        results.append(
            await client.get_historical_market_candlesticks(request.tickers[0], **window)
        )
    return _records(results, request.period), sent


def _records(results: Sequence[MarketCandlesticks], period: int) -> list[CandleRecord]:
    unique: dict[tuple[str, int], CandleRecord] = {}
    for market in results:
        for candle in market.candlesticks:
            unique[(market.ticker, candle.end_period_ts)] = CandleRecord(
                market_ticker=market.ticker, period_minutes=period, source="kalshi", candle=candle
            )
    return list(unique.values())


async def fetch_trades(client: KalshiClient, request: TradeRequest) -> tuple[list[Trade], int]:
    """Every trade of one market on one side of the trade cutoff, all pages."""
    fetch = client.get_trades if request.route == "live" else client.get_historical_trades
    sent = 0

    async def page(cursor: str | None) -> Page[Trade]:
        nonlocal sent
        sent += 1
        return await fetch(
            ticker=request.ticker,
            min_ts=request.min_ts,
            max_ts=request.max_ts,
            limit=1000,
            cursor=cursor,
        )

    trades = {trade.trade_id: trade async for trade in paginate(page)}
    return list(trades.values()), sent
