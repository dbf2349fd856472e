"""The background import (design B): fill the candle cache for settled events.

Walks the events table for events whose markets have all closed and that hold no Kalshi
candles for a period yet, and fetches each with the fewest requests (the backfill's
planner, through `Upstream`). Each event and period is committed with its checkpoint
(`api-candles:<event>:<period>`) in one transaction, so an interrupted run resumes where
it stopped and the API never asks Kalshi again for what the job stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kalshi_tape.api.upstream import TASK_KIND, Upstream
from kalshi_tape.backfill.plan import PERIODS
from kalshi_tape.core.errors import KalshiError, KtapeError
from kalshi_tape.storage import Store


@dataclass(slots=True)
class WarmReport:
    candidates: int = 0  # (event, period) pairs lacking candles
    fetched: int = 0
    rows: int = 0
    requests: int = 0
    failed: list[str] = field(default_factory=list)


_CLOSED_EVENTS = """
SELECT e.event_ticker FROM events e
WHERE EXISTS (SELECT 1 FROM markets m WHERE m.event_ticker = e.event_ticker)
  AND NOT EXISTS (SELECT 1 FROM markets m WHERE m.event_ticker = e.event_ticker
                  AND (m.close_time IS NULL OR m.close_time > {p}))
"""

_FILLED = """
SELECT DISTINCT m.event_ticker FROM candles c JOIN markets m ON m.ticker = c.market_ticker
WHERE c.source = 'kalshi' AND c.period_minutes = {p}
"""


def warm_candidates(
    store: Store, now: datetime, periods: Sequence[int], series: Sequence[str] = ()
) -> list[tuple[str, int]]:
    """(event, period) pairs of closed events without Kalshi candles or a checkpoint."""
    p = store.placeholder
    sql = _CLOSED_EVENTS.format(p=p)
    params: list[object] = [now]
    if series:
        sql += f" AND e.series_ticker IN ({', '.join([p] * len(series))})"
        params += list(series)
    events = sorted(str(r[0]) for r in store.sql(sql + " ORDER BY 1", params))
    done = store.finished_tasks(f"{TASK_KIND}:")
    out = []
    for period in periods:
        filled = {str(r[0]) for r in store.sql(_FILLED.format(p=p), (period,))}
        out += [
            (e, period)
            for e in events
            if e not in filled and f"{TASK_KIND}:{e}:{period}" not in done
        ]
    return out


async def warm_cache(
    upstream: Upstream,
    *,
    periods: Sequence[int] = PERIODS,
    series: Sequence[str] = (),
    concurrency: int = 4,
    on_progress: Callable[[str, int], None] | None = None,
) -> WarmReport:
    now = datetime.fromtimestamp(upstream.clock.now_ns() / 1e9, UTC)
    todo = await asyncio.to_thread(warm_candidates, upstream.store, now, periods, series)
    report = WarmReport(candidates=len(todo))
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(event: str, period: int) -> None:
        async with gate:
            try:
                result = await upstream.fetch_event_candles(event, period)
            except (KalshiError, KtapeError) as exc:
                report.failed.append(f"{event}/{period}: {exc}")
                return
        report.fetched += 1
        report.rows += result.rows
        report.requests += result.requests
        if on_progress:
            on_progress(event, period)

    await asyncio.gather(*(one(event, period) for event, period in todo))
    return report
