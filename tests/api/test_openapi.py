"""The OpenAPI document matches the routes, and schemathesis finds no 5xx and no response
that breaks the document (bounded: a few examples per operation)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import schemathesis
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kalshi_tape.api import create_app
from kalshi_tape.api.server import ApiServer
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import Store, open_store
from tests.api.conftest import SETTLED_EVENT, api_settings, sim_clock, sim_config

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_openapi_document_matches_the_routes() -> None:
    with open_store("duckdb:///:memory:") as store:
        app = create_app(api_settings("http://127.0.0.1:9", fetch_through=False), store=store)
        routes = {
            (route.path, method.lower())
            for route in _api_routes(app.routes)
            if route.include_in_schema
            for method in route.methods
        }
        document = app.openapi()
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert documented == routes
    assert {p for p, _ in routes} >= {
        "/v1/candles/{market_ticker}",
        "/v1/events/{event_ticker}/candles",
        "/v1/series",
        "/v1/events",
        "/v1/markets",
        "/v1/markets/{ticker}",
        "/v1/markets/{ticker}/trades",
        "/v1/markets/{ticker}/orderbook",
        "/v1/weather/observations",
        "/v1/weather/climate",
        "/healthz",
        "/metrics",
    }
    for path, ops in document["paths"].items():
        for op in ops.values():
            if path.startswith("/v1/"):
                assert {"401", "422", "429"} <= set(op["responses"]), path
                error = op["responses"]["422"]["content"]["application/json"]["schema"]
                assert error == {"$ref": "#/components/schemas/ErrorBody"}
    text = DOCS.read_text()
    for path, _ in routes:
        assert path.split("{")[0].rstrip("/") in text, f"{path} missing from docs/api.md"


def _api_routes(routes: Any) -> list[APIRoute]:
    """Every APIRoute, also those inside included routers (newer FastAPI nests them)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += _api_routes(route.original_router.routes)
    return found


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_no_server_errors_no_schema_violations() -> None:
    """Every operation, 15 generated cases each (the pytest plugin of schemathesis does
    not run on pytest 9, so hypothesis drives each operation's strategy directly)."""
    with open_store("duckdb:///:memory:") as store:
        fuzz_every_operation(store)


def fuzz_every_operation(store: Store) -> None:
    """The fuzz against a server on `store` (DuckDB here, PostgreSQL in test_postgres.py)."""
    with SimServer(sim_config()) as sim:
        app = create_app(api_settings(sim.base_url), store=store, clock=sim_clock())
        with ApiServer(app) as api:
            # something stored, so the stored paths are exercised too
            assert httpx.get(f"{api.url}/v1/events/{SETTLED_EVENT}/candles?period=60").is_success
            schema = schemathesis.openapi.from_url(f"{api.url}/openapi.json")
            operations = [result.ok() for result in schema.get_all_operations()]
            assert len(operations) >= 12
            for operation in operations:
                _fuzz(operation)


def _fuzz(operation: Any) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        case.call_and_validate(checks=CHECKS, timeout=30)

    run()
