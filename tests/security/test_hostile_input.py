"""The hostile-input table, on DuckDB and on PostgreSQL: NUL, CRLF, 100 kB, Unicode
look-alikes, SQL and path tricks in every string parameter get 422 naming the rule (never
a 5xx, never a store error); huge, negative and wrong-unit numbers never give a 5xx.

On the old code a NUL in `category` gave `500 internal_error` on PostgreSQL."""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import psycopg
import pytest

from kalshi_tape.api import create_app
from kalshi_tape.api.server import ApiServer
from kalshi_tape.storage import open_store
from tests.api.conftest import api_settings, sim_clock

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

HOSTILE_STRINGS = {
    "nul": "x\x00y",
    "crlf": "x\r\nSet-Cookie: a=b",
    "tab": "x\ty",
    "del": "x\x7fy",
    "5kB": "A" * 5_000,  # over every length rule, within the HTTP server's line limit
    "100kB": "A" * 100_000,  # over uvicorn's 16 kB request-line limit: 400 before the app
    "cyrillic K": "\u041aXHIGHNY",
    "fullwidth": "\uff2b\uff38\uff28\uff29\uff27\uff28",
    "zero-width": "KXHIGH\u200bNY",
    "rtl override": "KX\u202eYNHGIH",
    "sql": "x'; DROP TABLE markets; --",
    "percent": "100%",
    "empty": "",
}
STRING_PARAMS = [
    ("/v1/series", "category"),
    ("/v1/events", "series_ticker"),
    ("/v1/markets", "event_ticker"),
    ("/v1/markets", "series_ticker"),
    ("/v1/markets", "status"),
    ("/v1/markets", "cursor"),
    ("/v1/weather/observations", "station"),
    ("/v1/weather/observations", "source"),
    ("/v1/weather/climate", "station"),
    ("/v1/weather/climate", "source"),
]
PATHS = [
    "/v1/candles/{}",
    "/v1/events/{}/candles",
    "/v1/markets/{}",
    "/v1/markets/{}/trades",
    "/v1/markets/{}/orderbook",
]
HOSTILE_NUMBERS = [
    ("/v1/markets", "limit", "1000000000000000000000000000000"),
    ("/v1/markets", "limit", "-1"),
    ("/v1/markets", "limit", "1e3"),
    ("/v1/candles/KXHIGHNY-26NOV17-B45", "period", "-60"),
    ("/v1/candles/KXHIGHNY-26NOV17-B45", "period", "99999999999999999999"),
    ("/v1/candles/KXHIGHNY-26NOV17-B45", "start", "-1"),
    ("/v1/candles/KXHIGHNY-26NOV17-B45", "start", "1e400"),
    ("/v1/candles/KXHIGHNY-26NOV17-B45", "end", "99999999999999999999999"),
    # epoch values in the wrong unit: seconds of year 9999, ms, us, ns
    ("/v1/candles/KXHIGHNY-26NOV17-B45", "start", "253402300800"),
    ("/v1/markets/KXHIGHNY-26NOV17-B45/trades", "start", "1765000000000"),
    ("/v1/markets/KXHIGHNY-26NOV17-B45/trades", "end", "1765000000000000"),
    ("/v1/markets/KXHIGHNY-26NOV17-B45/orderbook", "at", "1765000000000000000"),
    ("/v1/weather/observations", "start", "-99999999999"),
    ("/v1/weather/climate", "start_date", "99999-01-01"),
    ("/v1/weather/climate", "end_date", "-0001-01-01"),
]


@pytest.fixture(
    scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def api(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "duckdb":
        with open_store("duckdb:///:memory:") as store:
            yield from _serve(store)
        return
    name = f"ktape_hostile_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with open_store(f"postgresql://postgres@127.0.0.1:5432/{name}") as store:
            yield from _serve(store)
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _serve(store: object) -> Iterator[str]:
    settings = api_settings("http://127.0.0.1:9", fetch_through=False)
    app = create_app(settings, store=store, clock=sim_clock())  # type: ignore[arg-type]
    with ApiServer(app) as server:
        yield server.url


@dataclass
class Answer:
    status_code: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


def get(base: str, path: str, params: dict[str, str] | None = None) -> Answer:
    """A raw GET (http.client: httpx refuses URLs over 64 kB before sending them)."""
    target = path + ("?" + urlencode(params) if params else "")
    netloc = urlsplit(base).netloc
    conn = http.client.HTTPConnection(netloc, timeout=10)
    try:
        conn.request("GET", target)
        response = conn.getresponse()
        return Answer(response.status, response.read().decode("utf-8", "replace"))
    finally:
        conn.close()


def _refused_with_rule(response: Answer, where: str) -> None:
    if "<100kB>" in where:  # the HTTP layer refuses it; the app never sees it
        assert response.status_code == 400, f"{where}: {response.status_code}"
        return
    assert response.status_code == 422, f"{where}: {response.status_code} {response.text[:300]}"
    body = response.json()
    assert body["code"] == "invalid_parameter"
    assert any(word in body["message"] for word in ("pattern", "at least", "at most")), body


@pytest.mark.parametrize("kind", sorted(HOSTILE_STRINGS))
@pytest.mark.parametrize(("route", "param"), STRING_PARAMS)
def test_hostile_string_parameters_get_422(api: str, route: str, param: str, kind: str) -> None:
    response = get(api, route, {param: HOSTILE_STRINGS[kind]})
    _refused_with_rule(response, f"{route}?{param}=<{kind}>")


@pytest.mark.parametrize("kind", sorted(set(HOSTILE_STRINGS) - {"empty"}))
@pytest.mark.parametrize("template", PATHS)
def test_hostile_path_tickers_get_422(api: str, template: str, kind: str) -> None:
    path = template.format(quote(HOSTILE_STRINGS[kind], safe=""))
    response = get(api, path)
    _refused_with_rule(response, f"{template} <{kind}>")


@pytest.mark.parametrize(("route", "param", "value"), HOSTILE_NUMBERS)
def test_hostile_numbers_never_give_a_server_error(
    api: str, route: str, param: str, value: str
) -> None:
    response = get(api, route, {param: value})
    assert response.status_code < 500, response.text[:300]
    assert response.status_code in (200, 404, 422), response.text[:300]
    assert "code" in response.json() or response.status_code == 200


# Forged cursors: well-formed base64 JSON whose text values carry a NUL. The old code
# passed them to the store: 500 on PostgreSQL (found by an independent review).
FORGED_CURSORS = [
    ("/v1/series", ["x\u0000y"]),
    ("/v1/markets/KXHIGHNY-26NOV17-B45/trades", ["2020-01-01T00:00:00", "a\u0000"]),
    ("/v1/weather/observations", ["K\u0000", "s", "2020-01-01T00:00:00Z"]),
]


@pytest.mark.parametrize(("route", "values"), FORGED_CURSORS)
def test_forged_cursor_with_a_nul_is_422(api: str, route: str, values: list[str]) -> None:
    import base64

    raw = "[" + ",".join(f'"{v}"' for v in values) + "]"
    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    response = get(api, route, {"cursor": cursor})
    assert response.status_code == 422, f"{route}: {response.status_code} {response.text[:300]}"
