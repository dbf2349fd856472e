"""Order book routes: /markets/{ticker}/orderbook and /markets/orderbooks."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kalshi_tape import wire as w
from kalshi_tape.sim.routes.common import Params, RestBase, bad_request, json_response


class BookRoutes(RestBase):
    """Order books of live markets, one or many."""

    async def orderbook(self, request: Request) -> Response:
        ticker = request.path_params["ticker"]
        depth = Params(request).integer("depth", 0, 100) or 0
        self._live_market(ticker)
        book = self.ex.book(ticker)
        assert book is not None
        yes, no = book
        if depth:
            yes, no = yes[-depth:], no[-depth:]
        return json_response(self.enc.orderbook(yes, no))

    async def orderbooks(self, request: Request) -> Response:
        tickers = Params(request).csv("tickers")
        if not tickers:
            raise bad_request("tickers is required")
        if len(tickers) > 100:
            raise bad_request("at most 100 tickers")
        out = []
        for ticker in tickers:
            found = self.ex.find_market(ticker)
            if found is None or self.ex.is_historical(found[0]):
                continue
            book = self.ex.book(ticker)
            assert book is not None
            out.append(self.enc.market_orderbook(ticker, *book))
        return json_response(w.WOrderbooksResponse(orderbooks=out))
