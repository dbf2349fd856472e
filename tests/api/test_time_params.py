"""API time query parameters go through the one time parser: ambiguous input is a 422."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kalshi_tape.api import create_app
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import Store
from tests.api.conftest import api_settings, sim_clock

TICKER = "KXHIGHNY-26NOV17-B57.5"


@pytest.fixture()
def api(sim: SimServer, store: Store) -> TestClient:
    app = create_app(
        api_settings(sim.base_url, fetch_through=False), store=store, clock=sim_clock()
    )
    return TestClient(app)


@pytest.mark.parametrize(
    ("path", "name", "value", "says"),
    [
        (f"/v1/candles/{TICKER}", "start", "253402300800", "needs a unit"),  # was read as ms
        (f"/v1/candles/{TICKER}", "start", "253402300800s", "after 9999-12-31"),
        (f"/v1/candles/{TICKER}", "end", "2026-11-17T17:00:00", "no zone"),
        (f"/v1/markets/{TICKER}/trades", "start", "1700000000", "needs a unit"),
        (f"/v1/markets/{TICKER}/orderbook", "at", "20240101", "needs a unit"),
        (f"/v1/markets/{TICKER}/orderbook", "at", "yesterday", "not an ISO 8601"),
    ],
)
def test_ambiguous_or_bad_time_is_422_with_what_works(
    api: TestClient, path: str, name: str, value: str, says: str
) -> None:
    response = api.get(path, params={name: value})
    assert response.status_code == 422, response.text
    message = response.json()["message"]
    assert message.startswith(f"{name}: ") and says in message
    assert "1704067200s" in message  # an example that works


@pytest.mark.parametrize("value", ["2026-11-17T17:00:00Z", "2026-11-17", "1795366800s"])
def test_good_time_forms_are_accepted(api: TestClient, value: str) -> None:
    response = api.get(f"/v1/markets/{TICKER}/trades", params={"start": value})
    assert response.status_code == 200, response.text
    book = api.get(f"/v1/markets/{TICKER}/orderbook", params={"at": value})
    assert book.status_code == 404 and book.json()["code"] == "book_unknown"  # empty tape
