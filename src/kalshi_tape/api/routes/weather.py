"""`/v1/weather/observations` and `/v1/weather/climate`: the weather tables as stored."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kalshi_tape.api import catalog
from kalshi_tape.api.routes.common import (
    RESPONSES,
    Cursor,
    Filter,
    Limit,
    PageBody,
    page_body,
    since_until,
)
from kalshi_tape.api.routes.markets import When
from kalshi_tape.api.services import Services, services
from kalshi_tape.storage import schema

router = APIRouter(tags=["weather"], responses=RESPONSES)
Day = Annotated[date | None, Query(description="Climate day (local standard time)")]


@router.get("/v1/weather/observations", response_model=PageBody, summary="Station observations")
async def observations(
    svc: Annotated[Services, Depends(services)],
    station: Filter = None,
    source: Filter = None,
    start: When = None,
    end: When = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> PageBody:
    query = catalog.Query(
        schema.WEATHER_OBSERVATIONS,
        {"station": station, "source": source},
        conditions=since_until("observed_at", start, end),
        limit=limit,
        cursor=cursor,
    )
    return await page_body(svc, query)


@router.get("/v1/weather/climate", response_model=PageBody, summary="Daily climate values")
async def climate(
    svc: Annotated[Services, Depends(services)],
    station: Filter = None,
    source: Filter = None,
    start_date: Day = None,
    end_date: Day = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> PageBody:
    query = catalog.Query(
        schema.DAILY_CLIMATE,
        {"station": station, "source": source},
        conditions=[("climate_date >= {p}", start_date), ("climate_date <= {p}", end_date)],
        limit=limit,
        cursor=cursor,
    )
    return await page_body(svc, query)
