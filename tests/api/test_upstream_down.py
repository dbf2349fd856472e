"""With the simulator down: stored data is served marked stale, unknown data gets 503."""

from __future__ import annotations

import httpx

from kalshi_tape.sim.server import SimServer
from tests.api.conftest import LIVE_EVENT, SETTLED_EVENT, ServeFn, sim_config


def test_simulator_down_serves_stale_and_503(serve: ServeFn) -> None:
    sim = SimServer(sim_config()).start()
    try:
        api = serve(sim.base_url, live_ttl_s=0.0, upstream_timeout_s=5.0)
        live = httpx.get(f"{sim.base_url}/events/{LIVE_EVENT}").json()["markets"][0]["ticker"]
        settled = httpx.get(f"{sim.base_url}/events/{SETTLED_EVENT}").json()["markets"][0]["ticker"]
        for ticker in (live, settled):
            fresh = httpx.get(f"{api.url}/v1/candles/{ticker}", params={"period": 60})
            assert fresh.status_code == 200 and fresh.json()["stale"] is False
    finally:
        sim.stop()

    # still trading: it would be fetched again, but Kalshi is gone: stored rows, stale
    stale = httpx.get(f"{api.url}/v1/candles/{live}", params={"period": 60}, timeout=30)
    assert stale.status_code == 200, stale.text
    assert stale.headers["X-Candle-Stale"] == "true"
    body = stale.json()
    assert body["stale"] is True and body["complete"] is False and body["candles"]

    # settled and complete: needs nobody
    done = httpx.get(f"{api.url}/v1/candles/{settled}", params={"period": 60})
    assert done.status_code == 200 and done.headers["X-Candle-Stale"] == "false"
    assert done.json()["complete"] is True

    # never stored: nothing to serve
    unknown = httpx.get(f"{api.url}/v1/candles/KXHIGHMIA-26NOV16-B80.5", timeout=30)
    assert unknown.status_code == 503
    assert unknown.json()["code"] == "upstream_unavailable"
    assert "Kalshi could not be reached" in unknown.json()["message"]
    assert unknown.headers["Retry-After"] == "30"

    # repeated failures open the breaker: answers come at once, still clear
    for _ in range(3):
        httpx.get(f"{api.url}/v1/candles/KXHIGHMIA-26NOV16-B80.5", timeout=30)
    health = httpx.get(f"{api.url}/healthz").json()
    assert health["upstream"] == "open"
    fast = httpx.get(f"{api.url}/v1/events/KXHIGHMIA-26NOV16/candles", timeout=2)
    assert fast.status_code == 503 and "not asking again" in fast.json()["message"]
