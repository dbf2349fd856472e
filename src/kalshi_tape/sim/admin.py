"""The admin API under /_sim (never rate limited, never faulted): stats, the true book,
pause/resume of the market clock, clock control, fault control and settlement truth."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.sim.books import BookLevels
from kalshi_tape.sim.encode import dollars, fp, utc

if TYPE_CHECKING:
    from kalshi_tape.sim.state import SimState


def admin_routes(state: SimState) -> list[Route]:
    admin = _Admin(state)
    return [
        Route("/_sim/stats", admin.stats, methods=["GET"]),
        Route("/_sim/book/{ticker}", admin.book, methods=["GET"]),
        Route("/_sim/pause", admin.pause, methods=["POST"]),
        Route("/_sim/resume", admin.resume, methods=["POST"]),
        Route("/_sim/clock", admin.clock, methods=["GET", "POST"]),
        Route("/_sim/faults", admin.faults, methods=["GET", "POST"]),
        Route("/_sim/truth/{event_ticker}", admin.truth, methods=["GET"]),
    ]


def _error(message: str, status: int) -> Response:
    return JSONResponse({"error": message}, status)


class _Admin:
    """The admin endpoints over one simulator state."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.ex = state.exchange

    def clock_json(self) -> dict[str, object]:
        ex = self.ex
        ex.sync()
        return {
            "now": utc(ex.now_us / 1e6).isoformat().replace("+00:00", "Z"),
            "now_ts": ex.now_s,
            "paused": ex.clock.paused,
            "speed": ex.clock.speed,
        }

    async def stats(self, request: Request) -> Response:
        return JSONResponse(self.state.stats.as_json())

    async def book(self, request: Request) -> Response:
        self.ex.sync()
        ticker = request.path_params["ticker"]
        at_ms = request.query_params.get("at_ms")
        if at_ms is not None and not at_ms.isdigit():
            return _error("at_ms must be Unix milliseconds", 400)
        if at_ms is not None:  # the true book at a past moment (quotes move on whole seconds)
            levels = _book_at(self.state, ticker, int(at_ms) // 1000)
        else:
            levels = self.ex.book(ticker)
        if levels is None:
            return _error("unknown market", 404)
        yes, no = levels
        return JSONResponse(
            {
                "yes": [[dollars(p), fp(s)] for p, s in yes],
                "no": [[dollars(p), fp(s)] for p, s in no],
            }
        )

    async def pause(self, request: Request) -> Response:
        self.ex.sync()
        self.ex.clock.pause()
        return JSONResponse(self.clock_json())

    async def resume(self, request: Request) -> Response:
        self.ex.clock.resume()
        return JSONResponse(self.clock_json())

    async def clock(self, request: Request) -> Response:
        if request.method == "POST":
            body = await _json_body(request)
            if body is None:
                return _error("expected a JSON object", 400)
            if "speed" in body:
                self.ex.clock.set_speed(float(str(body["speed"])))
            if "advance_s" in body:
                self.ex.clock.advance(float(str(body["advance_s"])))
        return JSONResponse(self.clock_json())

    async def faults(self, request: Request) -> Response:
        if request.method == "POST":
            body = await _json_body(request)
            if body is None:
                return _error("expected a JSON object", 400)
            try:
                self.state.faults.update(body)
            except ConfigError as exc:
                return _error(str(exc), 400)
        f = self.state.faults.faults
        return JSONResponse({name: getattr(f, name) for name in f.__dataclass_fields__})

    async def truth(self, request: Request) -> Response:
        self.ex.sync()
        spec = self.ex.find_event(request.path_params["event_ticker"])
        if spec is None:
            return _error("unknown event", 404)
        return JSONResponse(
            {
                "event_ticker": spec.event_ticker,
                "daily_high": spec.daily_high,
                "forecast": round(spec.forecast, 2),
                "results": {m.ticker: spec.result(m) for m in spec.markets},
                "determination_ts": spec.determination_ts,
                "settlement_ts": spec.settlement_ts,
            }
        )


def _book_at(state: SimState, ticker: str, at_s: int) -> BookLevels | None:
    from kalshi_tape.sim.exchange import market_status
    from kalshi_tape.sim.generator import book_levels

    ex = state.exchange
    found = ex.find_market(ticker)
    if found is None:
        return None
    spec, market = found
    if market_status(spec, at_s) != "active" or at_s > ex.now_s:
        return [], []
    quote = ex.market_timeline(spec, market).quote_at(at_s)
    return book_levels(market, quote, ex.config.whole)


async def _json_body(request: Request) -> dict[str, object] | None:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
