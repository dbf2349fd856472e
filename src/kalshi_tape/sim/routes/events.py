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
    bad_request,
    encode_cursor,
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
        status = params.text("status")
        if status is not None and status not in ("unopened", "open", "closed", "settled"):
            raise bad_request("status must be one of unopened, open, closed, settled")
        series = params.text("series_ticker")
        tickers = params.csv("tickers")
        min_close = params.integer("min_close_ts")
        params.integer("min_updated_ts")
        after_key = params.cursor(int, int)
        now_s = self.ex.now_s
        page: list[EventSpec] = []
        more = False
        for spec in self.ex.events(series):
            key = self._event_key(spec)
            if after_key is not None and key <= after_key:
                continue
            if tickers is not None and spec.event_ticker not in tickers:
                continue
            if min_close is not None and spec.close_ts < min_close:
                continue
            if status is not None and market_status(spec, now_s) not in STATUS_FILTERS[status]:
                continue
            if len(page) == limit:
                more = True
                break
            page.append(spec)
        items = [raw(self.enc.event(s, self._event_markets(s) if nested else None)) for s in page]
        cursor = encode_cursor(*self._event_key(page[-1])) if more else ""
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
