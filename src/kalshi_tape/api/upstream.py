"""Kalshi as the API's upstream: find an event's markets and fetch its candles.

Reuses the backfill: `resolve_targets` finds an event's series and markets (live and
behind the historical cutoff), the planner picks the fewest candle requests, and
`fetch_candles` sends them through the client's one request path and rate budget. What
is fetched is stored (series, events, markets, candles with source `kalshi`) together
with a checkpoint once every market of the event has closed, so a closed event is asked
of Kalshi once, by the API or by the warm job.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime

from kalshi_tape.backfill.plan import MarketTarget, plan_candles
from kalshi_tape.backfill.runner import fetch_candles, market_targets
from kalshi_tape.client import KalshiClient
from kalshi_tape.client.discover import Selection, resolve_targets
from kalshi_tape.core.clock import Clock
from kalshi_tape.core.domain import HistoricalCutoff
from kalshi_tape.core.errors import NotFound
from kalshi_tape.storage import BackfillProgress, CandleRecord, Store

CUTOFF_REFRESH_S = 3600.0
TASK_KIND = "api-candles"


def coverage_key(event_ticker: str, period: int) -> str:
    """The checkpoint saying every Kalshi candle of the event and period is stored."""
    return f"{TASK_KIND}:{event_ticker}:{period}"


@dataclass(frozen=True, slots=True)
class FetchResult:
    rows: int
    requests: int
    final: bool  # every market of the event had closed: the checkpoint was written


class Upstream:
    """Event resolution and candle fetches against Kalshi; stores what it gets."""

    def __init__(self, client: KalshiClient, store: Store, clock: Clock) -> None:
        self.client = client
        self.store = store
        self.clock = clock
        self._cutoff: tuple[float, HistoricalCutoff] | None = None

    async def cutoff(self) -> HistoricalCutoff:
        now = self.clock.monotonic()
        if self._cutoff is None or now - self._cutoff[0] > CUTOFF_REFRESH_S:
            value = await self.client.get_historical_cutoff(refresh=self._cutoff is not None)
            self._cutoff = (now, value)
        return self._cutoff[1]

    async def check_series(self, series_ticker: str) -> None:
        """Nothing when Kalshi knows the series; NotFound otherwise (one request)."""
        await self.client.get_series(series_ticker)

    async def event_of_market(self, ticker: str) -> str:
        """The event ticker of a market the store does not hold (NotFound if none)."""
        market, _ = await self.client.locate_market(ticker)
        return market.event_ticker

    async def event_targets(self, event_ticker: str) -> list[MarketTarget]:
        """Every market of the event: from the store when it holds them, else from Kalshi
        (and then stored). Raises BackfillError for an unknown event."""
        cutoff = await self.cutoff()
        stored = await asyncio.to_thread(_stored_targets, self.store, event_ticker, cutoff)
        if stored:
            return stored
        targets = await resolve_targets(
            self.client, Selection(event_tickers=(event_ticker,)), cutoff.market_settled_ts
        )
        await asyncio.to_thread(
            self.store.commit_chunk,
            series=targets.series,
            events=targets.events,
            markets=targets.markets,
        )
        return market_targets(targets)

    async def fetch_event_candles(self, event_ticker: str, period: int) -> FetchResult:
        targets = await self.event_targets(event_ticker)
        now_ts = self.clock.now_ns() // 1_000_000_000
        try:
            records, sent = await self._fetch(targets, period, now_ts)
        except NotFound:  # the cutoff moved under the event: its markets are historical now
            targets = [_as_historical(t) for t in targets]
            records, sent = await self._fetch(targets, period, now_ts)
        final = all(t.closed_by(now_ts) for t in targets)
        progress = (
            BackfillProgress(coverage_key(event_ticker, period), TASK_KIND, len(records), sent)
            if final
            else None
        )
        await asyncio.to_thread(self.store.commit_chunk, candles=records, progress=progress)
        return FetchResult(len(records), sent, final)

    async def _fetch(
        self, targets: list[MarketTarget], period: int, now_ts: int
    ) -> tuple[list[CandleRecord], int]:
        requests = plan_candles(targets, [period], now_ts)
        results = await asyncio.gather(*(fetch_candles(self.client, r) for r in requests))
        records = [record for rows, _ in results for record in rows]
        return records, sum(sent for _, sent in results)


def _as_historical(target: MarketTarget) -> MarketTarget:
    return replace(target, historical=True)


_TARGETS_SQL = """
SELECT m.ticker, m.event_ticker, e.series_ticker, m.open_time, m.close_time,
       m.settlement_ts, m.volume, m.status, m.result
FROM markets m JOIN events e ON e.event_ticker = m.event_ticker
WHERE m.event_ticker = {p}
ORDER BY m.ticker
"""


def _stored_targets(
    store: Store, event_ticker: str, cutoff: HistoricalCutoff
) -> list[MarketTarget]:
    rows = store.sql(_TARGETS_SQL.format(p=store.placeholder), (event_ticker,))
    targets = []
    for ticker, event, series, opened, closed, settled, volume, status, result in rows:
        if opened is None or closed is None or not series:
            return []  # incomplete metadata: ask Kalshi
        targets.append(
            MarketTarget(
                ticker=ticker,
                event_ticker=event,
                series_ticker=series,
                open_ts=_ts(opened),
                close_ts=_ts(closed),
                historical=settled is not None and settled < cutoff.market_settled_ts,
                has_volume=bool(volume),
                settled=status in ("finalized", "settled") or result in ("yes", "no"),
            )
        )
    return targets


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())
