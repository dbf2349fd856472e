"""Signatures (RSA-PSS, Ed25519), the WS handshake, token-bucket 429s and HTTP faults."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator

import httpx
import pytest
import websockets
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from kalshi_tape.core.clock import ManualClock
from kalshi_tape.core.errors import ConfigError
from kalshi_tape.sim.clock import SimClock
from kalshi_tape.sim.config import Faults
from kalshi_tape.sim.exchange import Exchange
from kalshi_tape.sim.server import SimServer

from .conftest import NOW, frozen_config

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ED_KEY = ed25519.Ed25519PrivateKey.generate()


def _pem(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _headers(key_id: str, key: object, method: str, path: str, skew_ms: int = 0) -> dict[str, str]:
    stamp = str(time.time_ns() // 1_000_000 + skew_ms)
    message = f"{stamp}{method}{path}".encode()
    if isinstance(key, rsa.RSAPrivateKey):
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
        sig = key.sign(message, pss, hashes.SHA256())
    else:
        assert isinstance(key, ed25519.Ed25519PrivateKey)
        sig = key.sign(message)
    return {
        "KALSHI-ACCESS-KEY": key_id,
        "KALSHI-ACCESS-TIMESTAMP": stamp,
        "KALSHI-ACCESS-SIGNATURE": base64.b64encode(sig).decode(),
    }


@pytest.fixture(scope="module")
def secured() -> Iterator[SimServer]:
    keys = {"rsa-key": _pem(RSA_KEY), "ed-key": _pem(ED_KEY)}
    with SimServer(frozen_config(trusted_keys=keys, tier="basic")) as server:
        yield server


def test_signed_requests(secured: SimServer) -> None:
    path = "/trade-api/v2/exchange/status"
    url = secured.root_url + path
    assert httpx.get(url).status_code == 200  # public endpoint, no headers
    assert httpx.get(url, headers=_headers("rsa-key", RSA_KEY, "GET", path)).status_code == 200
    assert httpx.get(url, headers=_headers("ed-key", ED_KEY, "GET", path)).status_code == 200
    bad = [
        _headers("rsa-key", RSA_KEY, "GET", "/trade-api/v2/other"),  # signed another path
        _headers("ed-key", RSA_KEY, "GET", path),  # wrong key for the id
        _headers("nobody", RSA_KEY, "GET", path),
        _headers("rsa-key", RSA_KEY, "GET", path, skew_ms=-120_000),  # stale
        {"KALSHI-ACCESS-KEY": "rsa-key"},  # incomplete
    ]
    for headers in bad:
        resp = httpx.get(url, headers=headers)
        assert resp.status_code == 401 and resp.json()["error"]["code"] == "authentication_error"
    assert httpx.get(f"{secured.root_url}/trade-api/v2/portfolio/balance").status_code == 401


async def test_ws_handshake_needs_signature(secured: SimServer) -> None:
    with pytest.raises(websockets.InvalidStatus) as info:
        async with websockets.connect(secured.ws_url):
            pass
    assert info.value.response.status_code == 401
    headers = _headers("rsa-key", RSA_KEY, "GET", "/trade-api/ws/v2")
    async with websockets.connect(secured.ws_url, additional_headers=headers) as ws:
        await ws.send('{"id":1,"cmd":"list_subscriptions"}')
        assert '"type":"ok"' in await ws.recv()


def test_basic_tier_rate_limit() -> None:
    """The bucket on an injected clock: it refills only when the clock moves."""
    config = frozen_config(tier="basic")
    clock = ManualClock()
    start_ns = int(NOW.timestamp() * 1e9)
    exchange = Exchange(config, SimClock(start_ns, 0.0, monotonic=clock.monotonic))
    with (
        SimServer(config, exchange=exchange) as server,
        httpx.Client(base_url=server.base_url) as http,
    ):
        statuses = [http.get("/exchange/status").status_code for _ in range(50)]
        assert statuses == [200] * 40 + [429] * 10  # capacity 400 tokens = 40 requests
        limited = http.get("/exchange/status")
        assert limited.json() == {"error": "too many requests"}
        assert {"retry-after", "x-ratelimit-remaining"}.isdisjoint(limited.headers)  # as Kalshi
        clock.advance(0.5)  # 200 tokens/s: 100 tokens = 10 requests
        statuses = [http.get("/exchange/status").status_code for _ in range(15)]
        assert statuses == [200] * 10 + [429] * 5
        assert httpx.get(f"{server.admin_url}/stats").status_code == 200  # never limited


def test_http_5xx_and_latency_reproducible_from_seed() -> None:
    def run() -> list[int]:
        with (
            SimServer(frozen_config(faults=Faults(http_5xx=0.3))) as server,
            httpx.Client(base_url=server.base_url) as http,
        ):
            return [http.get("/exchange/status").status_code for _ in range(40)]

    first, second = run(), run()
    assert first == second and 500 in first and 200 in first
    with SimServer(frozen_config()) as server:
        assert httpx.post(f"{server.admin_url}/faults", json={"http_5xx": 1}).status_code == 200
        resp = httpx.get(f"{server.base_url}/exchange/status")
        assert resp.status_code == 500 and resp.json()["error"]["code"] == "internal_server_error"
        httpx.post(f"{server.admin_url}/faults", json={"http_5xx": 0, "http_latency_ms": 150})
        start = time.monotonic()
        assert httpx.get(f"{server.base_url}/exchange/status").status_code == 200
        assert time.monotonic() - start >= 0.15
        assert httpx.post(f"{server.admin_url}/faults", json={"nope": 1}).status_code == 400


def test_faults_parse() -> None:
    faults = Faults.parse("http_5xx=0.1, ws_drop_every=500,http_latency_ms=20")
    assert faults == Faults(http_5xx=0.1, ws_drop_every=500, http_latency_ms=20)
    for bad in ("http_5xx=2", "bogus=1", "http_5xx", "ws_seq_gap=x"):
        with pytest.raises(ConfigError):
            Faults.parse(bad)
