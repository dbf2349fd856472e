"""`GET /v1/candles/{market_ticker}` and `GET /v1/events/{event_ticker}/candles`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from kalshi_tape.api import negotiation
from kalshi_tape.api.candles import CandleResult, SourceChoice
from kalshi_tape.api.errors import ERROR_RESPONSES, ApiProblem, ErrorBody, bad_parameter
from kalshi_tape.api.render import (
    MEDIA_TYPES,
    cache_key,
    maybe_gzip,
    render_rows,
)
from kalshi_tape.api.routes.common import TICKER
from kalshi_tape.api.services import Services, services
from kalshi_tape.api.timeparams import FORMS, in_range, instant

router = APIRouter(tags=["candles"])


class Period(IntEnum):
    minute = 1
    hour = 60
    day = 1440


class Source(StrEnum):
    auto = "auto"
    own = "own"
    kalshi = "kalshi"


class Format(StrEnum):
    json = "json"
    csv = "csv"
    parquet = "parquet"


Price = str | None


class Candle(BaseModel):
    """One candle; prices are dollar strings, volume and open interest contract strings."""

    market_ticker: str | None = None  # event candles only (a market's are in the envelope)
    end_period_ts: str
    yes_bid_open: Price
    yes_bid_high: Price
    yes_bid_low: Price
    yes_bid_close: Price
    yes_ask_open: Price
    yes_ask_high: Price
    yes_ask_low: Price
    yes_ask_close: Price
    price_open: Price
    price_high: Price
    price_low: Price
    price_close: Price
    price_mean: Price
    price_previous: Price
    price_min: Price
    price_max: Price
    volume: str
    open_interest: str


class SourceRange(BaseModel):
    """Consecutive candles from one source: first and last period end."""

    source: str
    first: str
    last: str


class CandlesBody(BaseModel):
    market_ticker: str | None = None
    event_ticker: str | None = None
    period: int
    source: str  # collector, trades, kalshi, none, or a merge such as collector+kalshi
    complete: bool  # every period of the range is accounted for
    stale: bool
    reason: str | None  # why not complete (starts with `partial:` or `stale:`)
    sources: list[SourceRange]  # provenance, in order
    candles: list[Candle]


_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "model": CandlesBody,
        "description": "Candles as JSON, CSV or Parquet (see `format`)",
        "content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["parquet"]: {}},
        "headers": {
            "X-Candle-Source": {"schema": {"type": "string"}, "description": "where from"},
            "X-Candle-Complete": {"schema": {"type": "string"}, "description": "true/false"},
            "X-Candle-Stale": {"schema": {"type": "string"}, "description": "true/false"},
            "X-Candle-Sources": {
                "schema": {"type": "string"},
                "description": "provenance: source=first/last, comma-separated",
            },
            "X-Candle-Reason": {"schema": {"type": "string"}, "description": "when incomplete"},
        },
    },
    **ERROR_RESPONSES,
    406: {"model": ErrorBody, "description": "no acceptable type or coding (Accept headers)"},
}

Start = Annotated[str | None, Query(description=f"First period end to include: {FORMS}")]
End = Annotated[str | None, Query(description=f"Last period end to include: {FORMS}")]
FormatQ = Annotated[
    Format | None, Query(description="json, csv or parquet (default: by Accept, else json)")
]
PeriodQ = Annotated[Period, Query(description="Minutes per candle: 1, 60 or 1440")]


@router.get(
    "/v1/candles/{market_ticker}",
    responses=_CONTENT,
    response_class=Response,
    summary="Candles of one market: ours, else Kalshi's",
)
async def market_candles(
    market_ticker: Annotated[str, Path(pattern=TICKER)],
    request: Request,
    svc: Annotated[Services, Depends(services)],
    period: PeriodQ = Period.minute,
    start: Start = None,
    end: End = None,
    source: Annotated[Source, Query(description="auto, own or kalshi")] = Source.auto,
    format: FormatQ = None,
) -> Response:
    first, last = _window(start, end)
    fmt = _negotiate(request, format)
    choice: SourceChoice = source.value
    omit = ("market_ticker", *_UNIFORM)

    async def produce() -> Rendered:
        result = await svc.candles.market_candles(market_ticker, int(period), choice, first, last)
        envelope = {"market_ticker": market_ticker}
        return await _render(svc, request, result, int(period), fmt, envelope, omit)

    return await _shared(svc, request, produce)


@router.get(
    "/v1/events/{event_ticker}/candles",
    responses=_CONTENT,
    response_class=Response,
    summary="Candles of every market of an event, from Kalshi",
)
async def event_candles(
    event_ticker: Annotated[str, Path(pattern=TICKER)],
    request: Request,
    svc: Annotated[Services, Depends(services)],
    period: PeriodQ = Period.minute,
    start: Start = None,
    end: End = None,
    format: FormatQ = None,
) -> Response:
    first, last = _window(start, end)
    fmt = _negotiate(request, format)

    async def produce() -> Rendered:
        result = await svc.candles.event_candles(event_ticker, int(period), first, last)
        envelope = {"event_ticker": event_ticker}
        return await _render(svc, request, result, int(period), fmt, envelope, _UNIFORM)

    return await _shared(svc, request, produce)


_UNIFORM = ("period_minutes", "source")  # the same in every row: stated in the envelope


def _negotiate(request: Request, requested: Format | None) -> str:
    """The response format by `format` and Accept; 406 when nothing acceptable exists."""
    negotiation.require_encoding(request.scope)
    return negotiation.choose_format(request.scope, None if requested is None else requested.value)


Rendered = tuple[bytes, dict[str, str]]


async def _shared(
    svc: Services, request: Request, produce: Callable[[], Awaitable[Rendered]]
) -> Response:
    """Identical concurrent requests share one read and render (no thundering herd when a
    cached body expires under load)."""
    wait = svc.settings.fetch_deadline_s + svc.settings.upstream_timeout_s
    try:
        body, headers = await svc.renders.run(cache_key(request.scope), produce, wait)
    except TimeoutError:
        raise ApiProblem(503, "timeout", "the candles could not be prepared in time") from None
    return Response(body, headers=headers)


async def _render(
    svc: Services,
    request: Request,
    result: CandleResult,
    period: int,
    fmt: str,
    envelope: dict[str, Any],
    omit: tuple[str, ...],
) -> Rendered:
    headers = {
        "content-type": MEDIA_TYPES[fmt],
        "X-Candle-Source": result.source,
        "X-Candle-Complete": str(result.complete).lower(),
        "X-Candle-Stale": str(result.stale).lower(),
        "X-Candle-Sources": ", ".join(
            f"{r['source']}={r['first']}/{r['last']}" for r in result.sources
        ),
    }
    if result.reason:
        headers["X-Candle-Reason"] = result.reason
    envelope = {
        **envelope,
        "period": period,
        "source": result.source,
        "complete": result.complete,
        "stale": result.stale,
        "reason": result.reason,
        "sources": list(result.sources),
    }
    codings = negotiation.encodings(request.scope)
    body, extra = await asyncio.to_thread(_encode, result, fmt, envelope, omit, codings)
    headers.update(extra)
    if not result.stale:
        svc.cache.put(cache_key(request.scope), body, headers)
    return body, headers


def _encode(
    result: CandleResult,
    fmt: str,
    envelope: dict[str, Any],
    omit: tuple[str, ...],
    codings: tuple[bool, bool],
) -> Rendered:
    body = render_rows(result.table, fmt, envelope, "candles", omit)  # type: ignore[arg-type]
    return maybe_gzip(body, fmt, *codings)


def _window(
    start_text: str | None, end_text: str | None
) -> tuple[datetime | None, datetime | None]:
    start = in_range("start/end", instant("start", start_text))
    end = in_range("start/end", instant("end", end_text))
    if start is not None and end is not None and end < start:
        raise bad_parameter("end: must not be before start")
    return start, end
