"""The events the execution core trades: each one's ladder of bracket markets, fee terms,
timing and result (`EventMeta`), read from the warehouse (`event_meta`, `fee_schedule`),
and the bar period. Shared by candle mode, tape mode and paper trading.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kalshi_tape.backtest.execution.fees import FeeSchedule
from kalshi_tape.core.errors import KtapeError
from kalshi_tape.parse.tickers import event_date
from kalshi_tape.reference.brackets import Bracket
from kalshi_tape.reference.stations import station_for
from kalshi_tape.storage import Store

BAR_S = 60  # the default bar period, seconds


class BacktestInputError(KtapeError):
    """Missing or malformed backtest input (no data for the range, a bad file, ...)."""


@dataclass(frozen=True, slots=True)
class EventMeta:
    """What is fixed about an event: its ladder, fees, timing and (for scoring) result."""

    event_ticker: str
    series: str
    tickers: tuple[str, ...]
    brackets: tuple[Bracket, ...]
    fees: FeeSchedule
    close_ts: int
    day_start_ts: int
    settled_ts: int
    results: tuple[bool, ...] | None  # YES per bracket, None while unsettled
    station: str = ""


def bracket_from_strikes(
    ticker: str, strike_type: str, floor: Decimal | None, cap: Decimal | None
) -> Bracket:
    """The payoff interval (same rules as brackets.bracket_of) from stored strike columns."""
    if strike_type == "between" and floor is not None and cap is not None:
        return Bracket(ticker, strike_type, floor, cap, True, True)
    if strike_type in ("greater", "greater_or_equal") and floor is not None:
        return Bracket(ticker, strike_type, floor, None, strike_type == "greater_or_equal", False)
    if strike_type in ("less", "less_or_equal") and cap is not None:
        return Bracket(ticker, strike_type, None, cap, False, strike_type == "less_or_equal")
    raise BacktestInputError(f"market {ticker}: not a weather bracket ({strike_type})")


def _ts(value: datetime | None) -> int:
    return 0 if value is None else int(value.timestamp())


def fee_schedule(store: Store, series: str) -> FeeSchedule:
    ph = store.placeholder
    rows = store.sql(f"SELECT fee_type, fee_multiplier FROM series WHERE ticker = {ph}", [series])
    if not rows or rows[0][0] is None:
        return FeeSchedule()  # weather series are quadratic, multiplier 1 (kalshi-api.md §6)
    return FeeSchedule(str(rows[0][0]), Decimal(rows[0][1] if rows[0][1] is not None else 1))


def event_fees(store: Store, event_ticker: str, series_fees: FeeSchedule) -> FeeSchedule:
    """The series' fee terms, unless the stored event carries Kalshi's fee overrides
    (`fee_type_override`, `fee_multiplier_override`; null = no override)."""
    ph = store.placeholder
    rows = store.sql(f"SELECT raw_json FROM events WHERE event_ticker = {ph}", [event_ticker])
    if not rows or not rows[0][0]:
        return series_fees
    try:
        raw = json.loads(rows[0][0])
    except ValueError:
        return series_fees
    fee_type = raw.get("fee_type_override") if isinstance(raw, dict) else None
    multiplier = raw.get("fee_multiplier_override") if isinstance(raw, dict) else None
    if fee_type is None and multiplier is None:
        return series_fees
    return FeeSchedule(
        str(fee_type or series_fees.fee_type),
        series_fees.fee_multiplier if multiplier is None else Decimal(str(multiplier)),
    )


def event_meta(store: Store, event_ticker: str, fees: FeeSchedule) -> EventMeta:
    """Ladder, timing, result and fee terms (event overrides applied) of one event."""
    fees = event_fees(store, event_ticker, fees)
    ph = store.placeholder
    rows = store.sql(
        "SELECT ticker, strike_type, floor_strike, cap_strike, close_time, result, "
        f"settlement_ts FROM markets WHERE event_ticker = {ph}",
        [event_ticker],
    )
    if not rows:
        raise BacktestInputError(f"event {event_ticker} has no markets stored")
    brackets = sorted(
        (bracket_from_strikes(str(r[0]), str(r[1]), r[2], r[3]) for r in rows),
        key=lambda b: (b.low is not None, b.low or 0, b.high is None, b.high or 0),
    )
    by_ticker = {str(r[0]): r for r in rows}
    results = tuple(str(by_ticker[b.ticker][5] or "") for b in brackets)
    settled = all(r in ("yes", "no") for r in results)
    series = event_ticker.split("-", 1)[0]
    day = event_date(event_ticker)
    station = station_for(series)
    close_ts = max(_ts(r[4]) for r in rows)
    if station is not None and day is not None:
        day_start = int(station.climate_day_bounds(day)[0].timestamp())
    else:
        day_start = close_ts - 86400 + 60
    settled_ts = max(_ts(r[6]) for r in rows) if settled else 0
    return EventMeta(
        event_ticker=event_ticker,
        series=series,
        tickers=tuple(b.ticker for b in brackets),
        brackets=tuple(brackets),
        fees=fees,
        close_ts=close_ts,
        day_start_ts=day_start,
        settled_ts=settled_ts or close_ts + 12 * 3600,
        results=tuple(r == "yes" for r in results) if settled else None,
        station=station.icao if station else "",
    )
