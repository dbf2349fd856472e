"""`ktape weather fetch` as a library: plan tasks per (source, station, date chunk), fetch,
parse, and commit each task's rows with its checkpoint in one transaction.

Resumable and idempotent like the backfill: a task whose data can no longer change is
recorded as done in `backfill_progress` (key `weather/<source>/<station>/<first>/<last>`)
and skipped next time; rows are upserted by natural key, so re-running rewrites nothing.
A task whose data may still change (1-minute rows not yet published, a CLI still
preliminary, the rolling AWC window, forecasts) is stored but not marked done. A task whose
response does not parse stores nothing and stops the run with the ParseError.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.core.errors import ConfigError
from kalshi_tape.storage import Store
from kalshi_tape.storage.records import BackfillProgress
from kalshi_tape.weather import fetchers, rows
from kalshi_tape.weather.http import WeatherHttp
from kalshi_tape.weather.sites import Site, days_between
from kalshi_tape.weather.store import write_weather

SOURCES = ("asos1min", "metar_iem", "metar_awc", "cli", "iem_cli", "forecast", "visualcrossing")
DEFAULT_SOURCES = ("asos1min", "metar_iem", "cli", "iem_cli", "forecast")
CHUNK_DAYS = {"asos1min": 7, "metar_iem": 14, "cli": 31, "visualcrossing": 7}
ASOS1MIN_SETTLED = timedelta(hours=30)  # published ~24 h late; complete with a margin
METAR_SETTLED = timedelta(hours=3)
PREFIX = "weather/"
ProgressCallback = Callable[[str, int, int], None]  # (source, tasks done, tasks total)


@dataclass(frozen=True, slots=True)
class FetchPlan:
    sites: tuple[Site, ...]
    start: date
    end: date
    sources: tuple[str, ...] = DEFAULT_SOURCES
    refresh: bool = False  # ignore checkpoints

    def __post_init__(self) -> None:
        if not self.sites:
            raise ConfigError("station", "give --series or --station")
        days_between(self.start, self.end)  # ConfigError when inverted
        unknown = [s for s in self.sources if s not in SOURCES]
        if unknown:
            raise ConfigError("source", f"unknown {unknown} (known: {', '.join(SOURCES)})")


@dataclass(frozen=True, slots=True)
class Task:
    source: str
    site: Site
    first: date
    last: date

    @property
    def key(self) -> str:
        return f"{PREFIX}{self.source}/{self.site.icao}/{self.first}/{self.last}"


@dataclass(slots=True)
class FetchReport:
    tasks: int = 0
    skipped: int = 0
    done: int = 0
    pending: list[str] = field(default_factory=list)  # stored but may still change
    notes: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    cache_hits: int = 0
    elapsed_s: float = 0.0


def plan_tasks(plan: FetchPlan, now: datetime, has_vc_key: bool) -> tuple[list[Task], list[str]]:
    """The tasks of a plan, and notes on sources that cannot serve it."""
    tasks: list[Task] = []
    notes: list[str] = []
    for site in plan.sites:
        for source in plan.sources:
            if source == "visualcrossing" and not has_vc_key:
                notes.append("visualcrossing skipped: no key (VISUAL_CROSSING_KEY)")
            elif source == "forecast":
                today = site.climate_day_of(now)
                tasks.append(Task(source, site, today, today))
            elif source == "metar_awc":
                first = max(plan.start, (now - fetchers.AWC_HISTORY).date() + timedelta(days=1))
                if first <= plan.end:
                    tasks.append(Task(source, site, first, plan.end))
                else:
                    notes.append(f"metar_awc skipped for {site.icao}: AWC keeps 15 days only")
            elif source == "iem_cli":
                for year in range(plan.start.year, plan.end.year + 1):
                    first = max(plan.start, date(year, 1, 1))
                    tasks.append(Task(source, site, first, min(plan.end, date(year, 12, 31))))
            else:
                tasks += _chunks(source, site, plan.start, plan.end, CHUNK_DAYS[source])
    return tasks, sorted(set(notes))


def _chunks(source: str, site: Site, start: date, end: date, size: int) -> list[Task]:
    days = days_between(start, end)
    return [
        Task(source, site, days[i], days[min(i + size, len(days)) - 1])
        for i in range(0, len(days), size)
    ]


async def fetch_weather(
    http: WeatherHttp,
    store: Store,
    endpoints: fetchers.Endpoints,
    plan: FetchPlan,
    *,
    clock: Clock = SYSTEM_CLOCK,
    on_progress: ProgressCallback | None = None,
) -> FetchReport:
    began = time.monotonic()
    now = datetime.fromtimestamp(clock.now_ns() / 1e9, UTC)
    tasks, notes = plan_tasks(plan, now, bool(endpoints.visual_crossing_key))
    report = FetchReport(tasks=len(tasks), notes=notes)
    finished = set() if plan.refresh else store.finished_tasks(PREFIX)
    totals: dict[str, int] = {}
    for task in tasks:
        totals[task.source] = totals.get(task.source, 0) + 1
    progress: dict[str, int] = {}
    for task in tasks:
        if task.key in finished:
            report.skipped += 1
        else:
            await _fetch_task(task, http, store, endpoints, now, report)
        progress[task.source] = progress.get(task.source, 0) + 1
        if on_progress is not None:
            on_progress(task.source, progress[task.source], totals[task.source])
    report.requests = http.stats.requests
    report.cache_hits = http.stats.cache_hits
    report.elapsed_s = time.monotonic() - began
    return report


async def _fetch_task(
    task: Task,
    http: WeatherHttp,
    store: Store,
    endpoints: fetchers.Endpoints,
    now: datetime,
    report: FetchReport,
) -> None:
    """Fetch one task, store its rows with its checkpoint, and count it in `report`."""
    requests_before = http.stats.requests
    batch, complete = await _run(task, http, endpoints, now)
    checkpoint = BackfillProgress(
        task.key,
        PREFIX + task.source,
        batch.count,
        http.stats.requests - requests_before,
        "" if complete else "may still change",
        done=complete,
    )
    write_weather(
        store,
        observations=batch.observations,
        climate=batch.climate,
        forecasts=batch.forecasts,
        progress=checkpoint,
    )
    report.rows[task.source] = report.rows.get(task.source, 0) + batch.count
    report.done += complete
    if not complete:
        report.pending.append(task.key)


async def _run(
    task: Task, http: WeatherHttp, ep: fetchers.Endpoints, now: datetime
) -> tuple[rows.Batch, bool]:
    """Fetch and convert one task; (rows, whether its data can no longer change)."""
    site, source = task.site, task.source
    start, _ = site.climate_day_bounds(task.first)
    _, end = site.climate_day_bounds(task.last)
    end_seen = min(end, now)
    if end_seen <= start and source != "forecast":
        return rows.Batch(), False  # a day still to come: nothing observed yet
    if source == "asos1min":
        ttl = 30 * 86400.0 if now >= end + ASOS1MIN_SETTLED else 0.0
        minutes = await fetchers.fetch_asos1min(http, ep.iem, site, start, end_seen, ttl)
        return rows.from_minutes(site, minutes, start, end), now >= end + ASOS1MIN_SETTLED
    if source == "metar_iem":
        ttl = 30 * 86400.0 if now >= end + METAR_SETTLED else 0.0
        reports = await fetchers.fetch_metar_iem(http, ep.iem, site, start, end_seen, ttl)
        return rows.from_metars(site, "metar_iem", reports), now >= end + METAR_SETTLED
    if source == "metar_awc":
        reports = await fetchers.fetch_metar_awc(http, ep.awc, site, start, end_seen)
        return rows.from_metars(site, "metar_awc", reports), False
    if source == "cli":
        cli = await fetchers.fetch_cli_text(http, ep.iem, site, task.first, task.last)
        batch = rows.from_cli_reports(site, cli)
        return batch, rows.all_final(batch, task.first, task.last)
    if source == "iem_cli":
        days = await fetchers.fetch_cli_json(http, ep.iem, site, task.first.year)
        batch = rows.from_iem_cli(site, days, task.first, task.last)
        return batch, rows.all_final(batch, task.first, task.last)
    if source == "forecast":
        forecast = await fetchers.fetch_forecast(http, ep.nws, site)
        return rows.from_forecast(site, forecast, now), False
    key = ep.visual_crossing_key or ""
    last_utc_day = task.last + timedelta(days=1)  # VC days are UTC (timezone=Z)
    vc = await fetchers.fetch_visualcrossing(
        http, ep.visual_crossing, key, site, task.first, last_utc_day
    )
    return rows.from_visualcrossing(site, vc, start, end), now >= end + ASOS1MIN_SETTLED
