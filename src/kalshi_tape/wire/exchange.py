"""Exchange-wide structs: historical cutoff, status, schedule, and the error body."""

from __future__ import annotations

import msgspec

from kalshi_tape.wire.common import Timestamp, Wire


class WHistoricalCutoff(Wire):
    market_settled_ts: Timestamp
    trades_created_ts: Timestamp
    orders_updated_ts: Timestamp | None = None
    market_positions_last_updated_ts: Timestamp | None = None


class WExchangeIndexStatus(Wire):
    exchange_index: int
    description: str = ""
    exchange_active: bool = True
    trading_active: bool = True
    intra_exchange_transfers_active: bool = True


class WExchangeStatus(Wire):
    exchange_active: bool
    trading_active: bool
    exchange_estimated_resume_time: Timestamp | None = None
    intra_exchange_transfers_active: bool | None = None
    exchange_index_statuses: list[WExchangeIndexStatus] | None = None


class WDailySchedule(Wire):
    open_time: str
    close_time: str


class WWeeklySchedule(Wire):
    start_time: Timestamp
    end_time: Timestamp
    monday: list[WDailySchedule] = msgspec.field(default_factory=list)
    tuesday: list[WDailySchedule] = msgspec.field(default_factory=list)
    wednesday: list[WDailySchedule] = msgspec.field(default_factory=list)
    thursday: list[WDailySchedule] = msgspec.field(default_factory=list)
    friday: list[WDailySchedule] = msgspec.field(default_factory=list)
    saturday: list[WDailySchedule] = msgspec.field(default_factory=list)
    sunday: list[WDailySchedule] = msgspec.field(default_factory=list)


class WMaintenanceWindow(Wire):
    start_datetime: Timestamp
    end_datetime: Timestamp


class WSchedule(Wire):
    standard_hours: list[WWeeklySchedule] = msgspec.field(default_factory=list)
    maintenance_windows: list[WMaintenanceWindow] = msgspec.field(default_factory=list)


class WScheduleResponse(Wire):
    schedule: WSchedule


class WErrorDetail(Wire):
    code: str | None = None
    message: str | None = None
    details: str | None = None
    service: str | None = None


class WErrorResponse(Wire):
    """Kalshi error bodies: `{"error": {...}}`, `{"error": "too many requests"}` or flat."""

    error: WErrorDetail | str | None = None
    code: str | None = None
    message: str | None = None
    details: str | None = None
