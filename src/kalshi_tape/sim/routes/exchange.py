"""Exchange-wide routes: /exchange/status and /exchange/schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from kalshi_tape import wire as w
from kalshi_tape.sim.encode import SimIndexStatus, utc
from kalshi_tape.sim.routes.common import RestBase, json_response


class ExchangeRoutes(RestBase):
    """Exchange status and the weekly schedule (with a Thursday maintenance window)."""

    async def exchange_status(self, request: Request) -> Response:
        fixed = self.enc.era == "fixed"
        status = w.WExchangeStatus(
            exchange_active=True,
            trading_active=True,
            intra_exchange_transfers_active=True if fixed else None,
            exchange_index_statuses=[
                SimIndexStatus(
                    exchange_index=0,
                    description="main",
                    exchange_active=True,
                    trading_active=True,
                    intra_exchange_transfers_active=True,
                )
            ]
            if fixed
            else None,
        )
        return json_response(status)

    async def exchange_schedule(self, request: Request) -> Response:
        day = [w.WDailySchedule(open_time="00:00", close_time="23:59")]
        now = utc(self.ex.now_s)
        thursday = (now + timedelta(days=(3 - now.weekday()) % 7 or 7)).replace(
            hour=8, minute=0, second=0, microsecond=0
        )
        schedule = w.WSchedule(
            standard_hours=[
                w.WWeeklySchedule(
                    start_time=datetime(2024, 1, 1, tzinfo=UTC),
                    end_time=datetime(2099, 1, 1, tzinfo=UTC),
                    monday=day,
                    tuesday=day,
                    wednesday=day,
                    thursday=day,
                    friday=day,
                    saturday=day,
                    sunday=day,
                )
            ],
            maintenance_windows=[
                w.WMaintenanceWindow(
                    start_datetime=thursday, end_datetime=thursday + timedelta(hours=2)
                )
            ],
        )
        return json_response(w.WScheduleResponse(schedule=schedule))
