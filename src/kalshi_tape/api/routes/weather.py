"""`/v1/weather/observations` and `/v1/weather/climate`: the weather tables as stored."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kalshi_tape.api.routes.common import RESPONSES, Filter, Page, PageBody, Window, page_body
from kalshi_tape.api.services import Services, services
from kalshi_tape.storage import schema

router = APIRouter(tags=["weather"], responses=RESPONSES)
Day = Annotated[date | None, Query(description="Climate day (local standard time)")]


@router.get("/v1/weather/observations", response_model=PageBody, summary="Station observations")
async def observations(
    svc: Annotated[Services, Depends(services)],
    window: Window,
    page: Page,
    station: Filter = None,
    source: Filter = None,
) -> PageBody:
    filters = {"station": station, "source": source}
    times = window.conditions("observed_at")
    return await page_body(svc, page, schema.WEATHER_OBSERVATIONS, filters, times)


@router.get("/v1/weather/climate", response_model=PageBody, summary="Daily climate values")
async def climate(
    svc: Annotated[Services, Depends(services)],
    page: Page,
    station: Filter = None,
    source: Filter = None,
    start_date: Day = None,
    end_date: Day = None,
) -> PageBody:
    filters = {"station": station, "source": source}
    days = [("climate_date >= {p}", start_date), ("climate_date <= {p}", end_date)]
    return await page_body(svc, page, schema.DAILY_CLIMATE, filters, days)
