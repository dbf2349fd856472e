"""Candlestick routes: single market, batch and event candlesticks with their slot limits."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kalshi_tape import wire as w
from kalshi_tape.sim.routes.common import Params, RestBase, bad_request, json_response, not_found

EVENT_CANDLE_SLOTS = 5000
BATCH_CANDLE_SLOTS = 10000
SINGLE_CANDLE_SLOTS = 5000
PERIODS = (1, 60, 1440)


class CandleRoutes(RestBase):
    """Candlesticks within the per-request slot limits."""

    def _candle_range(self, params: Params) -> tuple[int, int, int, int, bool]:
        start = params.required_int("start_ts")
        end = params.required_int("end_ts")
        period = params.required_int("period_interval")
        latest = params.boolean("include_latest_before_start")
        if period not in PERIODS:
            raise bad_request("period_interval must be 1, 60 or 1440")
        if end < start:
            raise bad_request("end_ts must not be before start_ts")
        step = period * 60
        slots = max(0, end // step - (-(-start // step)) + 1)
        return start, end, period, slots, latest

    def _single_range(self, request: Request) -> tuple[int, int, int, bool]:
        """One market's range (start, end, period, latest) within its slot limit."""
        start, end, period, slots, latest = self._candle_range(Params(request))
        if slots > SINGLE_CANDLE_SLOTS:
            raise bad_request(f"too many candlesticks requested (max {SINGLE_CANDLE_SLOTS})")
        return start, end, period, latest

    async def market_candles(self, request: Request) -> Response:
        start, end, period, latest = self._single_range(request)
        spec, market = self._live_market(request.path_params["ticker"])
        if spec.series != request.path_params["series_ticker"]:
            raise not_found("market")
        candles = self.ex.candles(spec, market, start, end, period, latest)
        return json_response(
            w.WMarketCandlesticksResponse(
                ticker=market.ticker, candlesticks=[self.enc.candle(c) for c in candles]
            )
        )

    async def batch_candles(self, request: Request) -> Response:
        params = Params(request)
        tickers = params.csv("market_tickers")
        if not tickers:
            raise bad_request("market_tickers is required")
        if len(tickers) > 100:
            raise bad_request("at most 100 market_tickers")
        start, end, period, slots, latest = self._candle_range(params)
        if slots * len(tickers) > BATCH_CANDLE_SLOTS:
            raise bad_request(f"too many candlesticks requested (max {BATCH_CANDLE_SLOTS})")
        out = []
        for ticker in tickers:
            found = self.ex.find_market(ticker)
            if found is None or self.ex.is_historical(found[0]):
                continue
            candles = self.ex.candles(*found, start, end, period, latest)
            out.append(
                w.WBatchMarketCandlesticks(
                    market_ticker=ticker, candlesticks=[self.enc.candle(c) for c in candles]
                )
            )
        return json_response(w.WBatchCandlesticksResponse(markets=out))

    async def event_candles(self, request: Request) -> Response:
        params = Params(request)
        start, end, period, slots, _ = self._candle_range(params)
        spec = self.ex.find_event(request.path_params["event_ticker"])
        if (
            spec is None
            or spec.series != request.path_params["series_ticker"]
            or self.ex.is_historical(spec)
        ):
            raise not_found("event")
        n = len(spec.markets)
        adjusted = end
        if slots * n > EVENT_CANDLE_SLOTS:
            step = period * 60
            first_end = -(-start // step) * step
            adjusted = first_end + (EVENT_CANDLE_SLOTS // n - 1) * step
        per_market = [
            [self.enc.candle(c) for c in self.ex.candles(spec, m, start, adjusted, period)]
            for m in spec.markets
        ]
        return json_response(
            w.WEventCandlesticksResponse(
                market_tickers=[m.ticker for m in spec.markets],
                market_candlesticks=per_market,
                adjusted_end_ts=adjusted,
            )
        )
