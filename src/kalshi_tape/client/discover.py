"""Resolve what to backfill: events given by ticker, or every event of a series in a date
range, with their series and all their markets, live or behind the historical cutoff.

Events are never partitioned by the cutoff, but markets settled before it are missing
from nested event markets and live only under `/historical/markets`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from kalshi_tape.client.rest import KalshiClient
from kalshi_tape.core.domain import Event, Market, Series
from kalshi_tape.core.errors import BackfillError, NotFound
from kalshi_tape.parse.tickers import event_date
from kalshi_tape.reference.brackets import series_of

# Above this many fully-historical events in one series, list the series' historical
# markets (1,000 a page) instead of asking per event.
PER_EVENT_HISTORICAL_LIMIT = 3


@dataclass(frozen=True, slots=True)
class Selection:
    event_tickers: tuple[str, ...] = ()
    series: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if not self.event_tickers and not self.series:
            raise BackfillError("nothing selected: give event tickers or --series")
        if self.start and self.end and self.start > self.end:
            raise BackfillError(f"--start {self.start} is after --end {self.end}")

    def wants(self, event: Event) -> bool:
        day = climate_date(event)
        if day is None:
            return self.start is None and self.end is None
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


@dataclass(slots=True)
class Targets:
    series: list[Series] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    markets: list[Market] = field(default_factory=list)
    historical: set[str] = field(default_factory=set)  # tickers only under /historical


def climate_date(event: Event) -> date | None:
    """The climate date in an event ticker (`KXHIGHNY-26JUN02`), else its strike date."""
    day = event_date(event.event_ticker)
    if day is not None:
        return day
    return event.strike_date.date() if event.strike_date else None


async def resolve_targets(
    client: KalshiClient, selection: Selection, market_cutoff: datetime
) -> Targets:
    """Series, events and all their markets; markets settled before `market_cutoff` come
    from `/historical/markets` (they are missing from nested event markets)."""
    targets = Targets()
    for series_ticker in _series_tickers(selection):
        targets.series.append(await _series(client, series_ticker))
    explicit = [await _event(client, t) for t in dict.fromkeys(selection.event_tickers)]
    events = list(explicit)
    for series_ticker in selection.series:
        found = await _series_events(client, series_ticker, selection, events)
        if not found and not any(e.series_ticker == series_ticker for e in events):
            raise BackfillError(await _empty_selection(client, series_ticker, selection))
        events += found
    maybe_historical = [e for e in events if _may_hold_historical(e, market_cutoff)]
    historical = await _historical_markets(client, maybe_historical)
    for event in events:
        extra = _new_tickers(event.markets, historical.get(event.event_ticker, []))
        markets = list(event.markets) + extra
        if not markets:
            if event in explicit:
                raise BackfillError(f"event {event.event_ticker!r} has no markets")
            continue
        targets.events.append(event)
        targets.markets.extend(markets)
        targets.historical.update(m.ticker for m in extra)
    return targets


def _series_tickers(selection: Selection) -> list[str]:
    wanted = list(selection.series) + [series_of(e) for e in selection.event_tickers]
    return list(dict.fromkeys(wanted))


async def _series(client: KalshiClient, ticker: str) -> Series:
    try:
        return await client.get_series(ticker)
    except NotFound:
        raise BackfillError(f"unknown series {ticker!r}") from None


async def _event(client: KalshiClient, ticker: str) -> Event:
    try:
        return await client.get_event(ticker, with_nested_markets=True)
    except NotFound:
        raise BackfillError(f"unknown event {ticker!r}") from None


async def _series_events(
    client: KalshiClient, series_ticker: str, selection: Selection, known: Sequence[Event]
) -> list[Event]:
    seen = {e.event_ticker for e in known}
    return [
        e
        async for e in client.iter_events(
            series_ticker=series_ticker,
            with_nested_markets=True,
            min_close_ts=_min_close_ts(selection.start),
        )
        if selection.wants(e) and e.event_ticker not in seen
    ]


async def _empty_selection(client: KalshiClient, series_ticker: str, selection: Selection) -> str:
    """Why a series gave no events: no events at all, or the dates it does have."""
    days = [
        day
        async for e in client.iter_events(series_ticker=series_ticker)
        if (day := climate_date(e)) is not None
    ]
    wanted = f"between {selection.start or 'the first event'} and {selection.end or 'today'}"
    if not days:
        return f"no {series_ticker} events {wanted}; the series has no dated events"
    return f"no {series_ticker} events {wanted}; its events exist from {min(days)} to {max(days)}"


def _may_hold_historical(event: Event, market_cutoff: datetime) -> bool:
    """Whether some market of the event may have settled before the cutoff: it has no
    live markets, or it is dated on or before the cutoff day, or (undated) one of its
    markets opened before the cutoff. (A dated event whose markets settle well before its
    date could be missed; daily weather events settle the day after theirs.)"""
    if not event.markets:
        return True
    day = climate_date(event)
    if day is not None:
        return day <= market_cutoff.date()
    return any(m.open_time is not None and m.open_time < market_cutoff for m in event.markets)


async def _historical_markets(
    client: KalshiClient, events: Sequence[Event]
) -> dict[str, list[Market]]:
    """Historical markets of the given events: per event for a few, else one listing of
    each series (1,000 a page), whichever needs fewer requests."""
    found: dict[str, list[Market]] = {}
    by_series: dict[str, list[str]] = {}
    for event in events:
        by_series.setdefault(event.series_ticker, []).append(event.event_ticker)
    for series_ticker, tickers in by_series.items():
        if len(tickers) > PER_EVENT_HISTORICAL_LIMIT:
            wanted = set(tickers)
            async for m in client.iter_historical_markets(series_ticker=series_ticker):
                if m.event_ticker in wanted:
                    found.setdefault(m.event_ticker, []).append(m)
        else:
            for ticker in tickers:
                async for m in client.iter_historical_markets(event_ticker=ticker):
                    found.setdefault(ticker, []).append(m)
    return found


def _new_tickers(live: Sequence[Market], extra: Sequence[Market]) -> list[Market]:
    """`extra` markets not among `live`, each ticker once."""
    known = {m.ticker for m in live}
    fresh = []
    for market in extra:
        if market.ticker not in known:
            known.add(market.ticker)
            fresh.append(market)
    return fresh


def _min_close_ts(start: date | None) -> int | None:
    if start is None:
        return None
    moment = datetime(start.year, start.month, start.day, tzinfo=UTC) - timedelta(days=1)
    return int(moment.timestamp())
