"""`/v1/series`, `/v1/events`, `/v1/markets`, `/v1/markets/{ticker}`: the warehouse's
catalog, filtered, in cursor pages."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Path

from kalshi_tape.api import catalog
from kalshi_tape.api.errors import ApiProblem
from kalshi_tape.api.routes.common import (
    RESPONSES,
    TICKER,
    Filter,
    Page,
    PageBody,
    RowBody,
    page_body,
)
from kalshi_tape.api.services import Services, services
from kalshi_tape.storage import schema

router = APIRouter(tags=["catalog"], responses=RESPONSES)


@router.get("/v1/series", response_model=PageBody, summary="Series in the warehouse")
async def list_series(
    svc: Annotated[Services, Depends(services)],
    page: Page,
    category: Filter = None,
) -> PageBody:
    return await page_body(svc, page, schema.SERIES, {"category": category})


@router.get("/v1/events", response_model=PageBody, summary="Events in the warehouse")
async def list_events(
    svc: Annotated[Services, Depends(services)],
    page: Page,
    series_ticker: Filter = None,
) -> PageBody:
    return await page_body(svc, page, schema.EVENTS, {"series_ticker": series_ticker})


@router.get("/v1/markets", response_model=PageBody, summary="Markets in the warehouse")
async def list_markets(
    svc: Annotated[Services, Depends(services)],
    page: Page,
    event_ticker: Filter = None,
    series_ticker: Filter = None,
    status: Filter = None,
) -> PageBody:
    in_series = "event_ticker IN (SELECT event_ticker FROM events WHERE series_ticker = {p})"
    filters = {"event_ticker": event_ticker, "status": status}
    return await page_body(svc, page, schema.MARKETS, filters, [(in_series, series_ticker)])


@router.get("/v1/markets/{ticker}", response_model=RowBody, summary="One market")
async def get_market(
    ticker: Annotated[str, Path(pattern=TICKER)],
    svc: Annotated[Services, Depends(services)],
) -> RowBody:
    row = await asyncio.to_thread(catalog.one, svc.store, schema.MARKETS, "ticker", ticker)
    if row is None:
        raise ApiProblem(404, "unknown_market", f"no market {ticker!r} in the warehouse")
    return RowBody(row=row)
