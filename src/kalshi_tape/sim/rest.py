"""REST routes under /trade-api/v2: parameters, limits, pagination and the live/historical
split as Kalshi documents them (kalshi-api.md §1)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kalshi_tape import wire as w
from kalshi_tape.sim.encode import Encoder, SimIndexStatus, encode, raw, utc
from kalshi_tape.sim.exchange import US, Exchange, MarketState, market_status
from kalshi_tape.sim.generator import EventSpec, MarketSpec, SimTrade

EVENT_CANDLE_SLOTS = 5000
BATCH_CANDLE_SLOTS = 10000
SINGLE_CANDLE_SLOTS = 5000
PERIODS = (1, 60, 1440)
STATUS_FILTERS = {
    "unopened": ("initialized",),
    "open": ("active",),
    "paused": ("inactive",),
    "closed": ("closed", "determined"),
    "settled": ("finalized",),
}


class ApiFailure(Exception):
    """Raised by handlers; rendered as Kalshi's error body."""

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def error_response(status: int, code: str, message: str, details: str = "") -> Response:
    body = w.WErrorResponse(
        error=w.WErrorDetail(code=code, message=message, details=details or None)
    )
    return Response(encode(body), status, media_type="application/json")


def bad_request(details: str) -> ApiFailure:
    return ApiFailure(400, "invalid_parameters", "invalid parameters", details)


def not_found(what: str) -> ApiFailure:
    return ApiFailure(404, "not_found", "not found", what)


def json_response(obj: object) -> Response:
    return Response(encode(obj), media_type="application/json")


# --------------------------------------------------------------------------- params


class Params:
    def __init__(self, request: Request) -> None:
        self.q = request.query_params

    def text(self, name: str) -> str | None:
        value = self.q.get(name)
        return value if value else None

    def integer(self, name: str, lo: int | None = None, hi: int | None = None) -> int | None:
        value = self.q.get(name)
        if value is None or value == "":
            return None
        try:
            number = int(value)
        except ValueError:
            raise bad_request(f"{name} must be an integer") from None
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            raise bad_request(f"{name} must be between {lo} and {hi}")
        return number

    def required_int(self, name: str) -> int:
        value = self.integer(name)
        if value is None:
            raise bad_request(f"{name} is required")
        return value

    def boolean(self, name: str) -> bool:
        value = self.q.get(name)
        if value is None or value == "":
            return False
        if value.lower() in ("true", "1"):
            return True
        if value.lower() in ("false", "0"):
            return False
        raise bad_request(f"{name} must be a boolean")

    def csv(self, name: str) -> list[str] | None:
        values = [v for raw_v in self.q.getlist(name) for v in raw_v.split(",") if v]
        return values or None

    def limit(self, hi: int, default: int, lo: int = 0) -> int:
        value = self.integer("limit", lo, hi)
        return value if value else default


def encode_cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode("|".join(map(str, parts)).encode()).decode()


def decode_cursor(cursor: str | None, arity: int) -> list[str] | None:
    if not cursor:
        return None
    try:
        parts = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_request("invalid cursor") from None
    if len(parts) != arity:
        raise bad_request("invalid cursor")
    return parts


# --------------------------------------------------------------------------- handlers


Handler = Callable[[Request], Awaitable[Response]]


class RestApi:
    def __init__(self, exchange: Exchange) -> None:
        self.ex = exchange
        self.enc = Encoder(exchange.config.wire_era)
        self._static_markets: dict[str, msgspec.Raw] = {}

    def routes(self) -> list[Route]:
        p = "/trade-api/v2"
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

    def _wrap(self, fn: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                self.ex.sync()
                return await fn(request)
            except ApiFailure as exc:
                return error_response(exc.status, exc.code, exc.message, exc.details)

        return endpoint

    # ------------------------------------------------------------------ helpers

    def _state(self, spec: EventSpec, market: MarketSpec) -> MarketState:
        return self.ex.state(spec, market)

    def _market_raw(self, spec: EventSpec, market: MarketSpec) -> msgspec.Raw:
        """Encoded market; cached once it can no longer change (settled, and a day past close
        so the 24 h volume and previous-day quotes are final)."""
        cached = self._static_markets.get(market.ticker)
        if cached is not None:
            return cached
        encoded = raw(self.enc.market(self._state(spec, market)))
        if self.ex.now_s >= max(spec.settlement_ts, spec.close_ts + 86400):
            self._static_markets[market.ticker] = encoded
        return encoded

    def _live_market(self, ticker: str) -> tuple[EventSpec, MarketSpec]:
        found = self.ex.find_market(ticker)
        if found is None or self.ex.is_historical(found[0]):
            raise not_found(f"market {ticker}")
        return found

    def _historical_market(self, ticker: str) -> tuple[EventSpec, MarketSpec]:
        found = self.ex.find_market(ticker)
        if found is None or not self.ex.is_historical(found[0]):
            raise not_found(f"market {ticker}")
        return found

    # ------------------------------------------------------------------ exchange

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

    async def cutoff(self, request: Request) -> Response:
        cut = utc(self.ex.cutoff_s())
        return json_response(
            w.WHistoricalCutoff(market_settled_ts=cut, trades_created_ts=cut, orders_updated_ts=cut)
        )

    # ------------------------------------------------------------------ series

    def _series_volume(self, series: str) -> int:
        total = 0
        for spec in self.ex.events(series):
            if spec.open_ts <= self.ex.now_s:
                for market in spec.markets:
                    total += self.ex.market_timeline(spec, market).volume_at(self.ex.now_us)
        return total

    async def series_list(self, request: Request) -> Response:
        params = Params(request)
        category, tags = params.text("category"), params.text("tags")
        with_volume = params.boolean("include_volume")
        params.boolean("include_product_metadata")
        params.integer("min_updated_ts")
        out = []
        for series in self.ex.series:
            item = self.enc.series(series)
            if category is not None and category not in (item.categories or []):
                continue
            if tags is not None and not set(tags.split(",")) & set(item.tags or []):
                continue
            if with_volume:
                item.volume_fp = self.enc.series(series, self._series_volume(series)).volume_fp
            out.append(raw(item))
        return json_response(w.WSeriesListResponse(series=out))

    async def series_one(self, request: Request) -> Response:
        series = request.path_params["series_ticker"]
        if series not in self.ex.series:
            raise not_found(f"series {series}")
        volume = self._series_volume(series) if Params(request).boolean("include_volume") else None
        return json_response(w.WSeriesResponse(series=raw(self.enc.series(series, volume))))

    async def series_fee_changes(self, request: Request) -> Response:
        Params(request).boolean("show_historical")
        return Response(b'{"series_fee_change_arr":[]}', media_type="application/json")

    # ------------------------------------------------------------------ events

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
        after = decode_cursor(params.text("cursor"), 2)
        after_key = (int(after[0]), int(after[1])) if after else None
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

    # ------------------------------------------------------------------ markets

    def _market_key(self, spec: EventSpec, market: MarketSpec) -> tuple[int, int, int]:
        return (-spec.date.toordinal(), self.ex.series.index(spec.series), market.index)

    def _markets_page(
        self,
        params: Params,
        candidates: list[EventSpec],
        keep: Callable[[EventSpec, MarketSpec], bool],
    ) -> Response:
        limit = params.limit(1000, 100)
        after = decode_cursor(params.text("cursor"), 3)
        after_key = tuple(int(x) for x in after) if after else None
        page: list[tuple[EventSpec, MarketSpec]] = []
        more = False
        for spec in candidates:
            for market in spec.markets:
                if after_key is not None and self._market_key(spec, market) <= after_key:
                    continue
                if not keep(spec, market):
                    continue
                if len(page) == limit:
                    more = True
                    break
                page.append((spec, market))
            if more:
                break
        items = [self._market_raw(s, m) for s, m in page]
        cursor = encode_cursor(*self._market_key(*page[-1])) if more else ""
        return json_response(w.WMarketsResponse(markets=items, cursor=cursor))

    async def markets(self, request: Request) -> Response:
        params = Params(request)
        status = params.text("status")
        if status is not None and status not in STATUS_FILTERS:
            raise bad_request("status must be one of " + ", ".join(STATUS_FILTERS))
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

    # ------------------------------------------------------------------ books

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

    # ------------------------------------------------------------------ trades

    async def trades(self, request: Request) -> Response:
        return self._trades(Params(request), historical=False)

    async def historical_trades(self, request: Request) -> Response:
        return self._trades(Params(request), historical=True)

    def _trades(self, params: Params, historical: bool) -> Response:
        limit = params.limit(1000, 100)
        ticker = params.text("ticker")
        min_ts, max_ts = params.integer("min_ts"), params.integer("max_ts")
        params.boolean("is_block_trade")
        after = decode_cursor(params.text("cursor"), 2)
        before = None
        if after is not None:
            try:
                before = (int(after[0]), after[1])
            except ValueError:
                raise bad_request("invalid cursor") from None
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

    # ------------------------------------------------------------------ candles

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

    async def market_candles(self, request: Request) -> Response:
        params = Params(request)
        start, end, period, slots, latest = self._candle_range(params)
        if slots > SINGLE_CANDLE_SLOTS:
            raise bad_request(f"too many candlesticks requested (max {SINGLE_CANDLE_SLOTS})")
        spec, market = self._live_market(request.path_params["ticker"])
        if spec.series != request.path_params["series_ticker"]:
            raise not_found("market")
        candles = self.ex.candles(spec, market, start, end, period, latest)
        return json_response(
            w.WMarketCandlesticksResponse(
                ticker=market.ticker, candlesticks=[self.enc.candle(c) for c in candles]
            )
        )

    async def historical_candles(self, request: Request) -> Response:
        params = Params(request)
        start, end, period, slots, _ = self._candle_range(params)
        if slots > SINGLE_CANDLE_SLOTS:
            raise bad_request(f"too many candlesticks requested (max {SINGLE_CANDLE_SLOTS})")
        spec, market = self._historical_market(request.path_params["ticker"])
        candles = self.ex.candles(spec, market, start, end, period)
        body = {
            "ticker": market.ticker,
            "candlesticks": [self.enc.historical_candle(c) for c in candles],
        }
        return json_response(body)

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


# --------------------------------------------------------------------------- filters

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
