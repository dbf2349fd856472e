"""Per-address limits use the socket's peer address: a client on loopback cannot rotate
`X-Forwarded-For` to get fresh buckets (uvicorn trusts it from 127.0.0.1 by default; an
independent review bypassed the limit that way). Proxies are trusted only when named."""

from __future__ import annotations

import httpx

from kalshi_tape.api import create_app
from kalshi_tape.api.cli import _proxy_options
from kalshi_tape.api.server import ApiServer
from kalshi_tape.storage import open_store
from tests.api.conftest import api_settings, sim_clock


def test_spoofed_forwarded_for_shares_the_peers_bucket() -> None:
    settings = api_settings(
        "http://127.0.0.1:9", fetch_through=False, address_rate_per_s=0.001, address_burst=2
    )
    with open_store("duckdb:///:memory:") as store:
        app = create_app(settings, store=store, clock=sim_clock())
        with ApiServer(app) as server, httpx.Client(base_url=server.url) as client:
            codes = [
                client.get("/v1/series", headers={"X-Forwarded-For": f"10.9.9.{n}"}).status_code
                for n in range(6)
            ]
    assert codes[:2] == [200, 200]
    assert set(codes[2:]) == {429}, codes


def test_serve_trusts_forwarded_headers_only_from_named_proxies() -> None:
    assert _proxy_options(None) == {"proxy_headers": False}
    assert _proxy_options("10.0.0.5") == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5"}
