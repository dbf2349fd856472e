"""Signing verified by the simulator (trusted keys generated at test time): REST and the
WebSocket handshake pass; a wrong key or a skewed clock fails with an error that names
the problem and carries neither key nor signature."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from kalshi_tape.client import BookFeed, KalshiClient
from kalshi_tape.client.stream import Connected
from kalshi_tape.core.clock import ManualClock
from kalshi_tape.core.errors import AuthError, StreamError
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer

KeyPair = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


def _private_pem(key: KeyPair) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_pem(key: KeyPair) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="module")
def keys() -> dict[str, KeyPair]:
    return {
        "rsa-key": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ed-key": ed25519.Ed25519PrivateKey.generate(),
        "stranger": rsa.generate_private_key(public_exponent=65537, key_size=2048),
    }


@pytest.fixture(scope="module")
def secure_sim(keys: dict[str, KeyPair]) -> Iterator[SimServer]:
    trusted = {name: _public_pem(keys[name]) for name in ("rsa-key", "ed-key")}
    with SimServer(SimConfig(seed=2, trusted_keys=trusted)) as sim:
        yield sim


def _settings(sim: SimServer, tmp_path: Path, key_id: str, key: KeyPair) -> Settings:
    path = tmp_path / f"{key_id}.pem"
    path.write_bytes(_private_pem(key))
    return Settings(
        base_url=sim.base_url, tier="unlimited", api_key_id=key_id, private_key_path=path
    )


@pytest.mark.parametrize("key_id", ["rsa-key", "ed-key"])
async def test_signed_rest_and_websocket_are_accepted(
    secure_sim: SimServer, keys: dict[str, KeyPair], tmp_path: Path, key_id: str
) -> None:
    settings = _settings(secure_sim, tmp_path, key_id, keys[key_id])
    async with KalshiClient(settings) as client:
        market = (await client.get_markets(status="open", limit=1)).items[0]
        assert (await client.get_orderbook(market.ticker)).ticker == market.ticker
    async with BookFeed(settings, [market.ticker]) as feed:
        async for event in feed.events():
            if isinstance(event, Connected):
                continue
            if feed.synced:
                break
        assert feed.books[market.ticker].ticker == market.ticker


async def test_wrong_key_is_named_and_secrets_stay_out(
    secure_sim: SimServer, keys: dict[str, KeyPair], tmp_path: Path
) -> None:
    # a trusted key id signed with somebody else's private key
    settings = _settings(secure_sim, tmp_path, "rsa-key", keys["stranger"])
    async with KalshiClient(settings, max_retries=0) as client:
        with pytest.raises(AuthError) as info:
            await client.get_exchange_status()
    text = str(info.value)
    assert info.value.status == 401 and "wrong key" in text
    assert "PRIVATE KEY" not in text
    assert re.search(r"[A-Za-z0-9+/=]{40,}", text) is None  # no base64 signature or key
    with pytest.raises(StreamError, match="handshake refused: HTTP 401"):
        async with BookFeed(settings, ["X"]) as feed:
            async for _ in feed.events():
                pass


async def test_clock_skew_is_named(
    secure_sim: SimServer, keys: dict[str, KeyPair], tmp_path: Path
) -> None:
    settings = _settings(secure_sim, tmp_path, "rsa-key", keys["rsa-key"])
    skewed = ManualClock(start_ns=time.time_ns() - 300 * 10**9)
    async with KalshiClient(settings, clock=skewed, max_retries=0) as client:
        with pytest.raises(AuthError, match=r"-(29\d|300) s off the exchange's \(clock skew\)"):
            await client.get_exchange_status()
    with pytest.raises(StreamError, match="clock"):
        async with BookFeed(settings, ["X"], clock=skewed) as feed:
            await asyncio.wait_for(_drain(feed), 10)


async def _drain(feed: BookFeed) -> None:
    async for _ in feed.events():
        pass
