"""`/v1/markets/{ticker}/trades` and `/v1/markets/{ticker}/orderbook?at=TIME`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from kalshi_tape.api import catalog
from kalshi_tape.api.errors import ApiProblem
from kalshi_tape.api.routes.common import RESPONSES, TICKER, Page, PageBody, Window, page_body
from kalshi_tape.api.services import Services, services
from kalshi_tape.api.timeparams import TimeQ, in_range, instant_ns
from kalshi_tape.books import BookUnknown, rebuild_book
from kalshi_tape.storage import schema

router = APIRouter(tags=["markets"], responses=RESPONSES)


class BookClock(StrEnum):
    received = "received"
    exchange = "exchange"


@router.get("/v1/markets/{ticker}/trades", response_model=PageBody, summary="Stored trades")
async def market_trades(
    ticker: Annotated[str, Path(pattern=TICKER)],
    svc: Annotated[Services, Depends(services)],
    window: Window,
    page: Page,
) -> PageBody:
    times = window.conditions("created_time")
    key = ("created_time", "trade_id")
    return await page_body(svc, page, schema.TRADES, {"market_ticker": ticker}, times, key)


class BookBody(BaseModel):
    """Bids of each side as [price, size] pairs (exact strings), ascending by price."""

    market_ticker: str
    at: str
    clock: str  # received or exchange
    yes: list[tuple[str, str]]
    no: list[tuple[str, str]]
    snapshot_at: str  # the base snapshot (our receive time)
    snapshot_trigger: str
    deltas_applied: int


@router.get(
    "/v1/markets/{ticker}/orderbook",
    response_model=BookBody,
    summary="The order book at a moment, rebuilt from the collector's snapshot and tape",
)
async def market_orderbook(
    ticker: Annotated[str, Path(pattern=TICKER)],
    svc: Annotated[Services, Depends(services)],
    at: TimeQ = None,
    clock: Annotated[
        BookClock, Query(description="received: as we held it; exchange: by exchange time")
    ] = BookClock.received,
) -> BookBody:
    at_ns = instant_ns("at", at)
    at_ns = svc.clock.now_ns() if at_ns is None else at_ns
    moment = in_range("time", datetime.fromtimestamp(at_ns // 1000 / 1e6, UTC))
    assert moment is not None
    try:
        rebuilt = await asyncio.to_thread(rebuild_book, svc.store, ticker, at_ns, clock=clock.value)
    except BookUnknown as exc:
        raise ApiProblem(404, "book_unknown", str(exc)) from None
    book = rebuilt.book
    return BookBody(
        market_ticker=ticker,
        at=_iso(moment),
        clock=clock.value,
        yes=[_level(p, q) for p, q in book.levels("yes")],
        no=[_level(p, q) for p, q in book.levels("no")],
        snapshot_at=_iso(datetime.fromtimestamp(rebuilt.base_ns / 1e9, UTC)),
        snapshot_trigger=rebuilt.base_trigger,
        deltas_applied=rebuilt.deltas_applied,
    )


def _level(price: Decimal, size: Decimal) -> tuple[str, str]:
    return catalog.decimal_text(price, "price"), catalog.decimal_text(size, "count")


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
