"""Routes under /historical: the cutoff, settled markets, their candles and old trades."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kalshi_tape import wire as w
from kalshi_tape.sim.encode import utc
from kalshi_tape.sim.generator import EventSpec, MarketSpec
from kalshi_tape.sim.routes.candles import CandleRoutes
from kalshi_tape.sim.routes.common import Params, bad_request, json_response
from kalshi_tape.sim.routes.markets import MarketRoutes
from kalshi_tape.sim.routes.trades import TradeRoutes


class HistoricalRoutes(MarketRoutes, TradeRoutes, CandleRoutes):
    """Everything settled before the cutoff."""

    async def cutoff(self, request: Request) -> Response:
        cut = utc(self.ex.cutoff_s())
        return json_response(
            w.WHistoricalCutoff(market_settled_ts=cut, trades_created_ts=cut, orders_updated_ts=cut)
        )

    async def historical_markets(self, request: Request) -> Response:
        params = Params(request)
        tickers = params.csv("tickers")
        event_ticker, series = params.text("event_ticker"), params.text("series_ticker")
        params.text("mve_filter")
        if sum(x is not None for x in (tickers, event_ticker, series)) > 1:
            raise bad_request("tickers, event_ticker and series_ticker are mutually exclusive")
        if event_ticker is not None:
            spec = self.ex.find_event(event_ticker)
            candidates = [spec] if spec is not None else []
        else:
            candidates = self.ex.events(series)
        candidates = [s for s in candidates if self.ex.is_historical(s)]
        if tickers is not None:
            wanted = {t.rpartition("-")[0] for t in tickers}
            candidates = [s for s in candidates if s.event_ticker in wanted]

        def keep(spec: EventSpec, market: MarketSpec) -> bool:
            return tickers is None or market.ticker in tickers

        return self._markets_page(params, candidates, keep)

    async def historical_market_one(self, request: Request) -> Response:
        spec, market = self._historical_market(request.path_params["ticker"])
        return json_response(w.WMarketResponse(market=self._market_raw(spec, market)))

    async def historical_trades(self, request: Request) -> Response:
        return self._trades(Params(request), historical=True)

    async def historical_candles(self, request: Request) -> Response:
        start, end, period, _ = self._single_range(request)
        spec, market = self._historical_market(request.path_params["ticker"])
        candles = self.ex.candles(spec, market, start, end, period)
        body = {
            "ticker": market.ticker,
            "candlesticks": [self.enc.historical_candle(c) for c in candles],
        }
        return json_response(body)
