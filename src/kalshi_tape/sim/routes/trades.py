"""Trade routes: /markets/trades (live side of the trade cutoff); the page walk is
shared with /historical/trades."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kalshi_tape import wire as w
from kalshi_tape.sim.exchange import US
from kalshi_tape.sim.generator import SimTrade
from kalshi_tape.sim.routes.common import (
    Params,
    RestBase,
    encode_cursor,
    json_response,
)


class TradeRoutes(RestBase):
    """Trades newest first; the cutoff splits live from historical."""

    async def trades(self, request: Request) -> Response:
        return self._trades(Params(request), historical=False)

    def _trades(self, params: Params, historical: bool) -> Response:
        limit = params.limit(1000, 100)
        ticker = params.text("ticker")
        min_ts, max_ts = params.integer("min_ts"), params.integer("max_ts")
        params.boolean("is_block_trade")
        before = params.cursor(int, str)
        cut_us = self.ex.cutoff_s() * US
        lo = 0 if min_ts is None else min_ts * US
        hi = self.ex.now_us if max_ts is None else (max_ts + 1) * US - 1
        if historical:
            hi = min(hi, cut_us - 1)
        else:
            lo = max(lo, cut_us)
        rows: list[tuple[str, SimTrade]] = []
        key = None
        if lo <= hi:
            rows, key = self.ex.trades(
                ticker=ticker, lo_us=lo, hi_us=hi, before=before, limit=limit
            )
        items = [self.enc.trade(t, trade) for t, trade in rows]
        cursor = encode_cursor(*key) if key else ""
        return json_response(w.WTradesResponse(trades=items, cursor=cursor))
