"""The admin API under /_sim (never rate limited, never faulted): stats, the true book,
pause/resume of the market clock, clock control, fault control and settlement truth."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kalshi_tape.errors import ConfigError
from kalshi_tape.sim.encode import dollars, fp, utc

if TYPE_CHECKING:
    from kalshi_tape.sim.state import SimState


def admin_routes(state: SimState) -> list[Route]:
    ex = state.exchange

    def clock_json() -> dict[str, object]:
        ex.sync()
        return {
            "now": utc(ex.now_us / 1e6).isoformat().replace("+00:00", "Z"),
            "now_ts": ex.now_s,
            "paused": ex.clock.paused,
            "speed": ex.clock.speed,
        }

    async def stats(request: Request) -> Response:
        return JSONResponse(state.stats.as_json())

    async def book(request: Request) -> Response:
        ex.sync()
        at_ms = request.query_params.get("at_ms")
        if at_ms is not None and not at_ms.isdigit():
            return JSONResponse({"error": "at_ms must be Unix milliseconds"}, 400)
        if at_ms is not None:  # the true book at a past moment (quotes move on whole seconds)
            levels = _book_at(state, request.path_params["ticker"], int(at_ms) // 1000)
        else:
            levels = ex.book(request.path_params["ticker"])
        if levels is None:
            return JSONResponse({"error": "unknown market"}, 404)
        yes, no = levels
        return JSONResponse(
            {
                "yes": [[dollars(p), fp(s)] for p, s in yes],
                "no": [[dollars(p), fp(s)] for p, s in no],
            }
        )

    async def pause(request: Request) -> Response:
        ex.sync()
        ex.clock.pause()
        return JSONResponse(clock_json())

    async def resume(request: Request) -> Response:
        ex.clock.resume()
        return JSONResponse(clock_json())

    async def clock(request: Request) -> Response:
        if request.method == "POST":
            body = await _json_body(request)
            if body is None:
                return JSONResponse({"error": "expected a JSON object"}, 400)
            if "speed" in body:
                ex.clock.set_speed(float(str(body["speed"])))
            if "advance_s" in body:
                ex.clock.advance(float(str(body["advance_s"])))
        return JSONResponse(clock_json())

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            body = await _json_body(request)
            if body is None:
                return JSONResponse({"error": "expected a JSON object"}, 400)
            try:
                state.faults.update(body)
            except ConfigError as exc:
                return JSONResponse({"error": str(exc)}, 400)
        f = state.faults.faults
        return JSONResponse({name: getattr(f, name) for name in f.__dataclass_fields__})

    async def truth(request: Request) -> Response:
        ex.sync()
        spec = ex.find_event(request.path_params["event_ticker"])
        if spec is None:
            return JSONResponse({"error": "unknown event"}, 404)
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

    return [
        Route("/_sim/stats", stats, methods=["GET"]),
        Route("/_sim/book/{ticker}", book, methods=["GET"]),
        Route("/_sim/pause", pause, methods=["POST"]),
        Route("/_sim/resume", resume, methods=["POST"]),
        Route("/_sim/clock", clock, methods=["GET", "POST"]),
        Route("/_sim/faults", faults, methods=["GET", "POST"]),
        Route("/_sim/truth/{event_ticker}", truth, methods=["GET"]),
    ]


def _book_at(
    state: SimState, ticker: str, at_s: int
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]] | None:
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
