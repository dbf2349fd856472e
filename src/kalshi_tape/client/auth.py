"""Request signing (kalshi-api.md §3).

Every signed request carries three headers: the key id, a millisecond timestamp and the
base64 signature of ``timestamp_ms + METHOD + path`` (path from the host root, no query).
RSA keys sign with RSA-PSS / MGF1(SHA-256) / salt 32; Ed25519 keys sign the same text.
Neither the key nor a signature ever appears in a repr, a log line or an error.
"""

from __future__ import annotations

import base64
from collections.abc import Generator
from pathlib import Path

import httpx
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.core.errors import ConfigError
from kalshi_tape.observability import add_secret
from kalshi_tape.settings.shared import Settings

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

KEY_HEADER = "KALSHI-ACCESS-KEY"
TIMESTAMP_HEADER = "KALSHI-ACCESS-TIMESTAMP"
SIGNATURE_HEADER = "KALSHI-ACCESS-SIGNATURE"

_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def load_private_key(path: Path) -> PrivateKey:
    """Read an unencrypted PEM (PKCS#8 or PKCS#1) RSA or Ed25519 private key."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError("private_key_path", f"cannot read {path}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ConfigError(
            "private_key_path", f"{path} is not an unencrypted PEM private key"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise ConfigError(
            "private_key_path", f"{path} holds a {type(key).__name__}; need RSA or Ed25519"
        )
    return key


def sign_message(key: PrivateKey, message: str) -> str:
    """Base64 signature of `message` (RSA-PSS SHA-256 salt 32, or Ed25519)."""
    raw = message.encode()
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(raw, _PSS, hashes.SHA256())
    else:
        signature = key.sign(raw)
    return base64.b64encode(signature).decode()


class Signer:
    """Builds the three auth headers for one key on an injected clock."""

    def __init__(self, key_id: str, key: PrivateKey, clock: Clock = SYSTEM_CLOCK) -> None:
        self.key_id = key_id
        add_secret(key_id)  # masked in every log line of this process
        self._key = key
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = SYSTEM_CLOCK) -> Signer | None:
        """A signer when both KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH are set."""
        if not settings.has_credentials:
            return None
        assert settings.api_key_id is not None and settings.private_key_path is not None
        return cls(settings.api_key_id, load_private_key(settings.private_key_path), clock)

    def headers(self, method: str, path: str) -> dict[str, str]:
        timestamp = str(self._clock.now_ns() // 1_000_000)
        return {
            KEY_HEADER: self.key_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign_message(self._key, timestamp + method.upper() + path),
        }

    def __repr__(self) -> str:
        return f"Signer(key_id={self.key_id[:4]}…)"


class KalshiAuth(httpx.Auth):
    """httpx auth hook: signs each request (retries included, each with a fresh timestamp)."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        request.headers.update(self._signer.headers(request.method, path))
        yield request
