"""Event routes: /events (filters, nested markets, cursor) and /events/{event_ticker}."""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from kalshi_tape import wire as w
from kalshi_tape.sim.encode import raw
from kalshi_tape.sim.exchange import market_status
from kalshi_tape.sim.generator import EventSpec
from kalshi_tape.sim.routes.common import (
    STATUS_FILTERS,
    Params,
    RestBase,
    cursor_page,
    json_response,
    not_found,
)


class EventRoutes(RestBase):
    """Events newest first, with filters, nested markets and a cursor."""

    def _event_markets(self, spec: EventSpec) -> list[msgspec.Raw]:
        if self.ex.is_historical(spec):
            return []
        return [self._market_raw(spec, m) for m in spec.markets]

    async def events(self, request: Request) -> Response:
        params = Params(request)
        limit = params.limit(200, 200, lo=1)
        nested = params.boolean("with_nested_markets")
        params.boolean("with_milestones")
        status = params.choice("status", ("unopened", "open", "closed", "settled"))
        series = params.text("series_ticker")
        tickers = params.csv("tickers")
        min_close = params.integer("min_close_ts")
        params.integer("min_updated_ts")
        after_key = params.cursor(int, int)
        now_s = self.ex.now_s

        def keep(spec: EventSpec) -> bool:
            if tickers is not None and spec.event_ticker not in tickers:
                return False
            if min_close is not None and spec.close_ts < min_close:
                return False
            return status is None or market_status(spec, now_s) in STATUS_FILTERS[status]

        events = self.ex.events(series)
        page, cursor = cursor_page(events, self._event_key, after_key, keep, limit)
        items = [raw(self.enc.event(s, self._event_markets(s) if nested else None)) for s in page]
        return json_response(w.WEventsResponse(events=items, cursor=cursor))

    def _event_key(self, spec: EventSpec) -> tuple[int, int]:
        return (-spec.date.toordinal(), self.ex.series.index(spec.series))

    async def event_one(self, request: Request) -> Response:
        spec = self.ex.find_event(request.path_params["event_ticker"])
        if spec is None:
            raise not_found("event")
        nested = Params(request).boolean("with_nested_markets")
        markets = self._event_markets(spec)
        event = self.enc.event(spec, markets if nested else None)
        return json_response(w.WEventResponse(event=raw(event), markets=markets))
