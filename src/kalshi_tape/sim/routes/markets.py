"""Live market routes: /markets (status and timestamp filters, cursor) and
/markets/{ticker}; the market page walk shared with /historical/markets."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from kalshi_tape import wire as w
from kalshi_tape.sim.exchange import market_status
from kalshi_tape.sim.generator import EventSpec, MarketSpec
from kalshi_tape.sim.routes.common import (
    STATUS_FILTERS,
    Params,
    RestBase,
    bad_request,
    cursor_page,
    json_response,
)


class MarketRoutes(RestBase):
    """Live markets, and the page walk shared with the historical tier."""

    def _market_key(self, spec: EventSpec, market: MarketSpec) -> tuple[int, int, int]:
        return (-spec.date.toordinal(), self.ex.series.index(spec.series), market.index)

    def _markets_page(
        self,
        params: Params,
        candidates: list[EventSpec],
        keep: Callable[[EventSpec, MarketSpec], bool],
    ) -> Response:
        limit = params.limit(1000, 100)
        after_key = params.cursor(int, int, int)
        pairs = ((spec, market) for spec in candidates for market in spec.markets)
        page, cursor = cursor_page(
            pairs, lambda pair: self._market_key(*pair), after_key, lambda pair: keep(*pair), limit
        )
        items = [self._market_raw(s, m) for s, m in page]
        return json_response(w.WMarketsResponse(markets=items, cursor=cursor))

    async def markets(self, request: Request) -> Response:
        params = Params(request)
        status = params.choice("status", STATUS_FILTERS)
        bounds = _timestamp_filters(params, status)
        params.text("mve_filter")
        event_ticker, series = params.text("event_ticker"), params.text("series_ticker")
        tickers = params.csv("tickers")
        now_s = self.ex.now_s
        if event_ticker is not None:
            spec = self.ex.find_event(event_ticker)
            candidates = [spec] if spec is not None else []
        else:
            candidates = self.ex.events(series)
        if series is not None:
            candidates = [s for s in candidates if s.series == series]
        candidates = [s for s in candidates if not self.ex.is_historical(s)]
        if tickers is not None:
            wanted = {t.rpartition("-")[0] for t in tickers}
            candidates = [s for s in candidates if s.event_ticker in wanted]

        def keep(spec: EventSpec, market: MarketSpec) -> bool:
            if tickers is not None and market.ticker not in tickers:
                return False
            if status is not None and market_status(spec, now_s) not in STATUS_FILTERS[status]:
                return False
            return _in_bounds(spec, bounds, now_s)

        return self._markets_page(params, candidates, keep)

    async def market_one(self, request: Request) -> Response:
        spec, market = self._live_market(request.path_params["ticker"])
        return json_response(w.WMarketResponse(market=self._market_raw(spec, market)))


Bounds = tuple[str, int | None, int | None] | None


def _timestamp_filters(params: Params, status: str | None) -> Bounds:
    """The one timestamp filter family in use (they are mutually exclusive) and its bounds."""
    allowed = {
        "created": (None, "unopened", "open"),
        "close": (None, "closed"),
        "settled": (None, "settled"),
        "updated": (None,),
    }
    used = []
    for family, statuses in allowed.items():
        lo, hi = params.integer(f"min_{family}_ts"), params.integer(f"max_{family}_ts")
        if lo is not None or hi is not None:
            if status not in statuses:
                raise bad_request(f"{family}_ts filters are not compatible with status={status}")
            used.append((family, lo, hi))
    if len(used) > 1:
        raise bad_request("timestamp filters are mutually exclusive")
    return used[0] if used else None


def _in_bounds(spec: EventSpec, bounds: Bounds, now_s: int) -> bool:
    if bounds is None:
        return True
    family, lo, hi = bounds
    if family == "created":
        ts: int | None = spec.created_ts
    elif family == "close":
        ts = spec.close_ts
    elif family == "settled":
        ts = spec.settlement_ts if spec.settlement_ts <= now_s else None
    else:
        ts = spec.created_ts
        if now_s >= spec.determination_ts:
            ts = spec.determination_ts
        if now_s >= spec.settlement_ts:
            ts = spec.settlement_ts
    if ts is None:
        return False
    return (lo is None or ts >= lo) and (hi is None or ts <= hi)
