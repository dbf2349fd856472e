"""REST routes under /trade-api/v2: parameters, limits, pagination and the live/historical
split as Kalshi documents them (kalshi-api.md §1).

The handlers live in `sim.routes`, one module per resource; `RestApi` assembles them into one
route table (order matters: fixed paths before the `{ticker}` patterns they would match).
"""

from __future__ import annotations

from starlette.routing import Route

from kalshi_tape.sim.routes.books import BookRoutes
from kalshi_tape.sim.routes.candles import (
    BATCH_CANDLE_SLOTS,
    EVENT_CANDLE_SLOTS,
    PERIODS,
    SINGLE_CANDLE_SLOTS,
)
from kalshi_tape.sim.routes.common import (
    REST_PREFIX,
    STATUS_FILTERS,
    ApiFailure,
    Handler,
    Params,
    bad_request,
    decode_cursor,
    encode_cursor,
    error_response,
    json_response,
    not_found,
)
from kalshi_tape.sim.routes.events import EventRoutes
from kalshi_tape.sim.routes.exchange import ExchangeRoutes
from kalshi_tape.sim.routes.historical import HistoricalRoutes
from kalshi_tape.sim.routes.series import SeriesRoutes

__all__ = [
    "BATCH_CANDLE_SLOTS",
    "EVENT_CANDLE_SLOTS",
    "PERIODS",
    "SINGLE_CANDLE_SLOTS",
    "STATUS_FILTERS",
    "ApiFailure",
    "Params",
    "RestApi",
    "bad_request",
    "decode_cursor",
    "encode_cursor",
    "error_response",
    "json_response",
    "not_found",
]


class RestApi(HistoricalRoutes, ExchangeRoutes, SeriesRoutes, EventRoutes, BookRoutes):
    """Every public REST route of the simulator (markets, trades and candles come in through
    `HistoricalRoutes`, which builds on them)."""

    def routes(self) -> list[Route]:
        p = REST_PREFIX
        table: list[tuple[str, Handler]] = [
            ("/exchange/status", self.exchange_status),
            ("/exchange/schedule", self.exchange_schedule),
            ("/series", self.series_list),
            ("/series/fee_changes", self.series_fee_changes),
            ("/series/{series_ticker}", self.series_one),
            ("/events", self.events),
            ("/events/{event_ticker}", self.event_one),
            ("/markets", self.markets),
            ("/markets/trades", self.trades),
            ("/markets/candlesticks", self.batch_candles),
            ("/markets/orderbooks", self.orderbooks),
            ("/markets/{ticker}", self.market_one),
            ("/markets/{ticker}/orderbook", self.orderbook),
            ("/series/{series_ticker}/markets/{ticker}/candlesticks", self.market_candles),
            ("/series/{series_ticker}/events/{event_ticker}/candlesticks", self.event_candles),
            ("/historical/cutoff", self.cutoff),
            ("/historical/markets", self.historical_markets),
            ("/historical/markets/{ticker}", self.historical_market_one),
            ("/historical/markets/{ticker}/candlesticks", self.historical_candles),
            ("/historical/trades", self.historical_trades),
        ]
        return [Route(p + path, self._wrap(fn), methods=["GET"]) for path, fn in table]
