"""`/healthz`, `/metrics` (Prometheus), and the web page at `/` with its static files."""

from __future__ import annotations

import asyncio
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, HTMLResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from kalshi_tape.api.errors import ApiProblem
from kalshi_tape.api.services import Services, services

router = APIRouter()
STATIC = resources.files("kalshi_tape.api") / "static"
_PAGE_FILES = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}


class Health(BaseModel):
    status: str  # ok
    database: str  # duckdb or postgresql
    schema_version: int
    upstream: str  # circuit breaker: closed, open, half-open; "off" without fetch-through
    fetches_in_flight: int


@router.get("/healthz", response_model=Health, tags=["system"], summary="Liveness and state")
async def healthz(svc: Annotated[Services, Depends(services)]) -> Health:
    rows = await asyncio.to_thread(svc.store.sql, "SELECT max(version) FROM ktape_migrations")
    return Health(
        status="ok",
        database=svc.store.backend,
        schema_version=int(rows[0][0] or 0),
        upstream=svc.candles.breaker.state if svc.candles.upstream else "off",
        fetches_in_flight=svc.candles.flights.in_flight,
    )


@router.get(
    "/metrics",
    tags=["system"],
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
async def metrics(svc: Annotated[Services, Depends(services)]) -> Response:
    svc.metrics.upstream.set(svc.candles.upstream_fetches)
    return Response(generate_latest(svc.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/", include_in_schema=False)
async def page() -> HTMLResponse:
    return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))


@router.get("/static/{name}", include_in_schema=False)
async def static(name: str) -> Response:
    if name == "plotly.min.js":
        return FileResponse(_plotly_js(), media_type="text/javascript; charset=utf-8")
    if name not in _PAGE_FILES:
        raise ApiProblem(404, "not_found", f"no static file {name!r}")
    return Response((STATIC / name).read_bytes(), media_type=_PAGE_FILES[name])


def _plotly_js() -> Path:
    """plotly.js as shipped inside the `plotly` Python package (no CDN, no download)."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise ApiProblem(404, "not_found", "plotly.min.js is missing from the plotly package")
    return path
