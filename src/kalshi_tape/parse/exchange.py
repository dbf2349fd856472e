"""Exchange-wide parsers: historical cutoff, status, schedule, and the error body."""

from __future__ import annotations

import msgspec

from kalshi_tape import wire as w
from kalshi_tape.core.domain import (
    DailySession,
    ExchangeSchedule,
    ExchangeStatus,
    HistoricalCutoff,
    MaintenanceWindow,
    WeeklySchedule,
)
from kalshi_tape.parse.common import Json, _decode, _guarded


@_guarded("cutoff")
def parse_cutoff(data: Json) -> HistoricalCutoff:
    """`GET /historical/cutoff`."""
    c = _decode(data, w.WHistoricalCutoff, "$")
    return HistoricalCutoff(c.market_settled_ts, c.trades_created_ts, c.orders_updated_ts)


@_guarded("exchange_status")
def parse_exchange_status(data: Json) -> ExchangeStatus:
    s = _decode(data, w.WExchangeStatus, "$")
    return ExchangeStatus(s.exchange_active, s.trading_active, s.exchange_estimated_resume_time)


_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@_guarded("schedule")
def parse_exchange_schedule(data: Json) -> ExchangeSchedule:
    s = _decode(data, w.WScheduleResponse, "$").schedule
    weeks = tuple(
        WeeklySchedule(
            start_time=week.start_time,
            end_time=week.end_time,
            days=tuple(
                (day, tuple(DailySession(d.open_time, d.close_time) for d in getattr(week, day)))
                for day in _DAYS
            ),
        )
        for week in s.standard_hours
    )
    windows = tuple(
        MaintenanceWindow(m.start_datetime, m.end_datetime) for m in s.maintenance_windows
    )
    return ExchangeSchedule(standard_hours=weeks, maintenance_windows=windows)


def parse_error_body(data: Json) -> tuple[str, str]:
    """(code, message) from any Kalshi error body; ("", text) when it is not JSON."""
    try:
        body = msgspec.json.decode(data, type=w.WErrorResponse)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        text = data.decode(errors="replace") if isinstance(data, bytes) else data
        return "", text[:200]
    if isinstance(body.error, str):
        return body.error.replace(" ", "_"), body.error
    if body.error is not None:
        return body.error.code or "", body.error.message or ""
    return body.code or "", body.message or ""
