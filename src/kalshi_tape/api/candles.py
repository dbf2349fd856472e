"""The candle service: stored candles first, Kalshi's event candlesticks for the rest.

`source=auto` serves our own candles (`collector`, else `trades`) where coverage records
(api/coverage.py) show we hold every period, Kalshi's for the rest, merged in order with
provenance; `complete` only when every period of the range is accounted for.
Kalshi's come from the warehouse when the event's
checkpoint says they are all there (or, for an event still trading, when they were
fetched less than `live_ttl_s` ago); otherwise one fetch per event and period runs
(single-flight), guarded by a negative cache, a circuit breaker and timeouts. When
Kalshi cannot be reached, what is stored is served marked stale; with nothing stored
the answer is 503.

Every new flight spends the upstream budget (`budget.py`; spent: 503 with Retry-After at
once). A ticker whose series is neither stored nor known to Kalshi is refused after one
series check, remembered for the whole series: random tickers under one unknown series
cost one request.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

from kalshi_tape.api import coverage
from kalshi_tape.api.budget import UpstreamBudget, global_flights_per_s
from kalshi_tape.api.errors import ApiProblem, budget_spent, describe, not_found, unavailable
from kalshi_tape.api.resilience import CircuitBreaker, CircuitOpen, NegativeCache, SingleFlight
from kalshi_tape.api.singleflight import FlightError, SharedFlight, shared_flight
from kalshi_tape.api.singleflight.codec import decode, encode, encode_not_found
from kalshi_tape.api.upstream import FetchResult, Upstream, coverage_key
from kalshi_tape.core.clock import Clock
from kalshi_tape.core.errors import (
    AuthError,
    BackfillError,
    KalshiError,
    NotFound,
    RateLimited,
    ServerError,
    TransportError,
)
from kalshi_tape.settings.api import ApiSettings
from kalshi_tape.storage import Store

SourceChoice = Literal["auto", "own", "kalshi"]
OWN_SOURCES = ("collector", "trades")  # in order of preference
UPSTREAM_FAILURES = (TransportError, ServerError, RateLimited, AuthError, TimeoutError)


@dataclass(frozen=True, slots=True)
class CandleResult:
    table: pa.Table
    source: str  # collector, trades, kalshi, or none
    complete: bool  # the market's whole life is covered and can no longer change
    stale: bool  # Kalshi was unreachable: this is what we had
    reason: str | None = None  # why it is not complete, when it is not
    sources: tuple[dict[str, str], ...] = ()  # runs of one source: {source, first, last}


@dataclass(frozen=True, slots=True)
class MarketQuery:
    """One market's candles asked for: ticker, period (minutes), source and range."""

    ticker: str
    period: int
    source: SourceChoice
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True, slots=True)
class Coverage:
    complete: bool
    stale: bool
    fetched: bool = False  # rows were fetched from Kalshi just now
    stored_since: float = float("inf")  # known stored since (monotonic); reads before may lag


def _own_source(table: pa.Table) -> str | None:
    """Our own source among the rows: `collector`, else `trades`, else any non-Kalshi one."""
    present = set(pc.unique(table.column("source")).to_pylist()) - {"kalshi"}
    for name in OWN_SOURCES:
        if name in present:
            return name
    return min(present) if present else None


def _only(table: pa.Table, source: str) -> pa.Table:
    same = pc.equal(table.column("source"), pa.scalar(source, pa.string()))
    return table if pc.all(same).as_py() is not False else table.filter(same)


class CandleService:
    def __init__(
        self,
        store: Store,
        upstream: Upstream | None,
        settings: ApiSettings,
        clock: Clock,
        shared: SharedFlight | None = None,
    ) -> None:
        self.store = store
        # across workers: one upstream call per key (Redis, PostgreSQL or in-process)
        self.shared = shared or shared_flight(settings, clock)
        self.upstream = upstream
        self.settings = settings
        self.clock = clock
        self.flights: SingleFlight[object] = SingleFlight()
        self.unknown = NegativeCache(settings.negative_ttl_s, clock)
        self.breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_cooldown_s, clock)
        self._fetched_at: dict[tuple[str, int], float] = {}
        self._done_since: dict[tuple[str, int], float] = {}  # first seen complete here
        self.upstream_fetches = 0
        self.budget = UpstreamBudget(
            global_flights_per_s(settings.kalshi.tier, settings.upstream_share),
            settings.client_upstream_rate_per_s,
            settings.client_upstream_burst,
            settings.known_reserve,
            clock,
        )
        self._known_series: set[str] = set()

    # ------------------------------------------------------------------ markets

    async def market_candles(
        self,
        ticker: str,
        period: int,
        source: SourceChoice,
        start: datetime | None,
        end: datetime | None,
    ) -> CandleResult:
        if ("series", ticker.split("-", 1)[0]) in self.unknown:  # cheap: no store read
            raise not_found("market", ticker)
        read_at = self.clock.monotonic()
        query = MarketQuery(ticker, period, source, start, end)
        stored, own, covered = await asyncio.to_thread(self._read_own, query)
        if covered is not None:
            spans, window = covered
            own_rows = _only(stored, own or "none")
            if window is not None and coverage.covers(spans, *window):
                return _result(own_rows, own or "none", True, False, None)
            if source == "own":
                return _result(own_rows, own or "none", False, False, _partial(own, window))
            return await self._merged(ticker, period, start, end, own_rows, spans)
        table, cov = await self._kalshi(ticker, period, start, end, (read_at, stored))
        self._refuse_empty_stale(cov, table, ticker)
        return _result(table, "kalshi", cov.complete, cov.stale, _kalshi_reason(cov))

    async def _kalshi(
        self,
        ticker: str,
        period: int,
        start: datetime | None,
        end: datetime | None,
        earlier: tuple[float, pa.Table] | None = None,
    ) -> tuple[pa.Table, Coverage]:
        """Kalshi's candles of the market; `earlier` is a read (its start, its rows) that
        is reused only when it began after the rows were known to be stored."""
        event = await self._event_of(ticker)
        cov = await self.ensure_event(event, period)
        if earlier is not None and not cov.fetched and earlier[0] > cov.stored_since:
            return _only(earlier[1], "kalshi"), cov
        stored = await self._read(ticker, None, period, "kalshi", start, end)
        return _only(stored, "kalshi"), cov

    async def _merged(
        self,
        ticker: str,
        period: int,
        start: datetime | None,
        end: datetime | None,
        own_rows: pa.Table,
        spans: list[coverage.Span],
    ) -> CandleResult:
        """Own candles inside their coverage, Kalshi's for every other period."""
        own = str(own_rows.column("source")[0]) if own_rows.num_rows else "none"
        try:
            kalshi, cov = await self._kalshi(ticker, period, start, end)
        except ApiProblem as problem:
            if problem.status not in (404, 503):
                raise
            reason = f"partial: Kalshi's candles could not be had ({problem.message})"
            return _result(own_rows, own, False, problem.status == 503, reason)
        mine = own_rows.filter(coverage.inside(coverage.end_seconds(own_rows), spans))
        theirs = kalshi.filter(~coverage.inside(coverage.end_seconds(kalshi), spans))
        merged = pa.concat_tables([mine, theirs]).sort_by("end_period_ts")
        name = "+".join(sorted({own, "kalshi"} if mine.num_rows else {"kalshi"}))
        return _result(merged, name, cov.complete, cov.stale, _kalshi_reason(cov))

    def _read_own(
        self, q: MarketQuery
    ) -> tuple[pa.Table, str | None, tuple[list[coverage.Span], coverage.Span | None] | None]:
        """Every stored candle of the range, our own source among them and, when our own
        are to be served, their coverage: one trip to a worker thread."""
        stored = self.store.candles(
            market_ticker=q.ticker, period_minutes=q.period, start=q.start, end=q.end
        )
        own = _own_source(stored) if q.source != "kalshi" else None
        if q.source == "own" or (own is not None and q.source == "auto"):
            covered = self._own_coverage(q.ticker, q.period, own or "none", q.start, q.end)
            return stored, own, covered
        return stored, own, None

    def _own_coverage(
        self, ticker: str, period: int, source: str, start: datetime | None, end: datetime | None
    ) -> tuple[list[coverage.Span], coverage.Span | None]:
        """Our covered spans and the window to account for (None when unbounded)."""
        spans, life = coverage.coverage_and_life(self.store, source, ticker, period)
        return spans, self._window(life, period, start, end)

    def _window(
        self, life: coverage.Life, period: int, start: datetime | None, end: datetime | None
    ) -> coverage.Span | None:
        """First and last period end of the range: given, else the market's trading life."""
        step = period * 60
        opened, closed = life
        first = start or opened
        last = end or closed
        if first is None or last is None:
            return None
        now_s = self.clock.now_ns() // 1_000_000_000
        first_s = -(-int(first.timestamp()) // step) * step
        last_s = min(int(last.timestamp()), now_s) // step * step
        return (first_s, last_s) if last_s >= first_s else None

    async def event_candles(
        self, event_ticker: str, period: int, start: datetime | None, end: datetime | None
    ) -> CandleResult:
        cov = await self.ensure_event(event_ticker, period)
        table = await self._read(None, event_ticker, period, "kalshi", start, end)
        self._refuse_empty_stale(cov, table, event_ticker)
        return _result(table, "kalshi", cov.complete, cov.stale, _kalshi_reason(cov))

    def _refuse_empty_stale(self, coverage: Coverage, table: pa.Table, what: str) -> None:
        if coverage.stale and table.num_rows == 0:
            raise unavailable(f"no candles of {what} are stored")

    async def _read(
        self,
        market: str | None,
        event: str | None,
        period: int,
        source: str | None,
        start: datetime | None,
        end: datetime | None,
    ) -> pa.Table:
        return await asyncio.to_thread(
            self.store.candles,
            market_ticker=market,
            event_ticker=event,
            period_minutes=period,
            source=source,
            start=start,
            end=end,
        )

    def _closed(self, ticker: str) -> bool:
        p = self.store.placeholder
        rows = self.store.sql(f"SELECT close_time FROM markets WHERE ticker = {p}", (ticker,))
        if not rows or rows[0][0] is None:
            return False
        return bool(rows[0][0].timestamp() <= self.clock.now_ns() / 1e9)

    async def _event_of(self, ticker: str) -> str:
        p = self.store.placeholder
        rows = await asyncio.to_thread(
            self.store.sql, f"SELECT event_ticker FROM markets WHERE ticker = {p}", (ticker,)
        )
        if rows and rows[0][0]:
            return str(rows[0][0])
        upstream = self._require_upstream(ticker)
        if ("market", ticker) in self.unknown:
            raise not_found("market", ticker)
        await self._require_series(upstream, ticker, "market")
        try:
            found = await self._guarded(
                ("market", ticker), lambda: upstream.event_of_market(ticker)
            )
        except NotFound:
            self.unknown.add(("market", ticker))
            raise not_found("market", ticker) from None
        assert isinstance(found, str)
        return found

    # ------------------------------------------------------------------ events

    async def ensure_event(self, event_ticker: str, period: int) -> Coverage:
        """Make the store hold Kalshi's candles of the event and period, if it can."""
        key = coverage_key(event_ticker, period)
        done = await asyncio.to_thread(self.store.progress, key)
        if done is not None and done.done:
            since = _first_seen(self._done_since, (event_ticker, period), self.clock.monotonic())
            return Coverage(complete=True, stale=False, stored_since=since)
        fetched = self._fetched_at.get((event_ticker, period))
        if fetched is not None and self.clock.monotonic() - fetched < self.settings.live_ttl_s:
            return Coverage(complete=False, stale=False, stored_since=fetched)
        if ("event", event_ticker) in self.unknown:
            raise not_found("event", event_ticker)
        upstream = self._require_upstream(event_ticker)
        known = await asyncio.to_thread(self._stored, "events", "event_ticker", event_ticker)
        if not known:
            await self._require_series(upstream, event_ticker, "event")
        try:
            result = await self._guarded(
                ("event", event_ticker, period),
                lambda: upstream.fetch_event_candles(event_ticker, period),
                known=known,
            )
        except (NotFound, BackfillError):
            self.unknown.add(("event", event_ticker))
            raise not_found("event", event_ticker) from None
        except ApiProblem as problem:
            if problem.status != 503:
                raise
            if await asyncio.to_thread(self._has_kalshi_candles, event_ticker, period):
                return Coverage(complete=False, stale=True)
            raise
        assert isinstance(result, FetchResult)
        self._fetched_at[(event_ticker, period)] = self.clock.monotonic()
        return Coverage(complete=result.final, stale=False, fetched=True)

    def _has_kalshi_candles(self, event_ticker: str, period: int) -> bool:
        p = self.store.placeholder
        rows = self.store.sql(
            f"SELECT count(*) FROM candles WHERE source = 'kalshi' AND period_minutes = {p} "
            f"AND market_ticker IN (SELECT ticker FROM markets WHERE event_ticker = {p})",
            (period, event_ticker),
        )
        return bool(rows[0][0])

    def _stored(self, table: str, column: str, value: str) -> bool:
        p = self.store.placeholder
        rows = self.store.sql(f"SELECT 1 FROM {table} WHERE {column} = {p} LIMIT 1", (value,))
        return bool(rows)

    async def _require_series(self, upstream: Upstream, ticker: str, what: str) -> None:
        """Refuse a ticker whose series Kalshi does not know (asked once per series)."""
        series = ticker.split("-", 1)[0]
        if not series or ("series", series) in self.unknown:  # `-X`: no series to ask about
            raise not_found(what, ticker)
        if series in self._known_series:
            return
        if not await asyncio.to_thread(self._stored, "series", "ticker", series):
            try:
                await self._guarded(("series", series), lambda: upstream.check_series(series))
            except NotFound:
                self.unknown.add(("series", series))
                raise not_found(what, ticker) from None
        if len(self._known_series) > 100_000:
            self._known_series.clear()
        self._known_series.add(series)

    def _require_upstream(self, ticker: str) -> Upstream:
        if self.upstream is None or not self.settings.fetch_through:
            raise ApiProblem(
                404, "not_stored", f"nothing stored for {ticker!r} and fetch-through is off"
            )
        return self.upstream

    async def _guarded(
        self,
        key: tuple[object, ...],
        make: Callable[[], Awaitable[object]],
        known: bool = False,
    ) -> object:
        """One shared upstream call per key, paid from the budget, through the breaker,
        within the deadline; upstream trouble or a spent budget becomes a 503."""
        if key not in self.flights:
            wait = self.budget.spend(known)
            if wait > 0:
                raise budget_spent(wait)

        async def flight() -> object:
            shared_key = ":".join(str(part) for part in key)
            call = functools.partial(self._upstream_call, make)
            return decode(await self.shared.run(shared_key, call, self.settings.live_ttl_s))

        try:
            return await self.flights.run(key, flight, self.settings.upstream_timeout_s)
        except FlightError as exc:
            raise unavailable(f"the workers could not agree who asks Kalshi: {exc}") from None
        except CircuitOpen as exc:
            raise unavailable(str(exc)) from None
        except UPSTREAM_FAILURES as exc:
            raise unavailable(describe(exc)) from None
        except KalshiError as exc:
            if isinstance(exc, NotFound):
                raise
            raise unavailable(describe(exc)) from None

    async def _upstream_call(self, make: Callable[[], Awaitable[object]]) -> str:
        """The one upstream fetch of a flight, through the breaker, encoded to share."""
        self.upstream_fetches += 1
        try:
            value = await self.breaker.call(
                lambda: asyncio.wait_for(make(), self.settings.fetch_deadline_s),
                lambda exc: isinstance(exc, UPSTREAM_FAILURES),
            )
        except NotFound as exc:
            return encode_not_found(exc)
        return encode(value)


def _result(
    table: pa.Table, source: str, complete: bool, stale: bool, reason: str | None
) -> CandleResult:
    sources = tuple(coverage.provenance(table))
    return CandleResult(table, source, complete, stale, None if complete else reason, sources)


def _first_seen(seen: dict[tuple[str, int], float], key: tuple[str, int], now: float) -> float:
    if len(seen) > 100_000:
        seen.clear()  # bounded; forgetting only costs a read again
    return seen.setdefault(key, now)


def _partial(own: str | None, window: coverage.Span | None) -> str:
    if own is None:
        return "partial: no candles of our own are stored"
    if window is None:
        return "partial: the range is open and the market's trading times are not stored"
    return f"partial: coverage records of {own!r} do not account for every period"


def _kalshi_reason(cov: Coverage) -> str | None:
    if cov.stale:
        return "stale: Kalshi could not be reached; this is what is stored"
    if not cov.complete:
        return "partial: the market is still trading"
    return None
