"""Verify Kalshi request signatures (RSA-PSS/SHA-256 with 32-byte salt, or Ed25519).

Message = timestamp_ms + METHOD + path (path from the host root, without the query).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from kalshi_tape.core.errors import ConfigError

KEY_HEADER = "kalshi-access-key"
TIMESTAMP_HEADER = "kalshi-access-timestamp"
SIGNATURE_HEADER = "kalshi-access-signature"
WINDOW_MS = 60_000

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey


class AuthFailure(Exception):
    """Missing, malformed, stale or wrong signature (never carries the signature)."""


def load_public_key(pem: str) -> PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except ValueError as exc:
        raise ConfigError("trust_key", f"not a PEM public key: {exc}") from None
    if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        raise ConfigError("trust_key", "only RSA and Ed25519 public keys are supported")
    return key


class Verifier:
    def __init__(self, trusted: Mapping[str, str]) -> None:
        self.keys: dict[str, PublicKey] = {
            kid: load_public_key(pem) for kid, pem in trusted.items()
        }

    @property
    def enabled(self) -> bool:
        return bool(self.keys)

    @staticmethod
    def present(headers: Mapping[str, str]) -> bool:
        return any(h in headers for h in (KEY_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER))

    def verify(self, headers: Mapping[str, str], method: str, path: str, now_ms: int) -> str:
        """The key id of a valid signature; raises AuthFailure otherwise."""
        key_id = headers.get(KEY_HEADER)
        stamp = headers.get(TIMESTAMP_HEADER)
        signature = headers.get(SIGNATURE_HEADER)
        if not key_id or not stamp or not signature:
            raise AuthFailure("missing authentication headers")
        key = self.keys.get(key_id)
        if key is None:
            raise AuthFailure("unknown API key")
        if not stamp.isdigit() or abs(int(stamp) - now_ms) > WINDOW_MS:
            raise AuthFailure("timestamp outside the allowed window")
        try:
            sig = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raise AuthFailure("malformed signature") from None
        message = f"{stamp}{method.upper()}{path}".encode()
        try:
            if isinstance(key, rsa.RSAPublicKey):
                key.verify(
                    sig,
                    message,
                    padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                    hashes.SHA256(),
                )
            else:
                key.verify(sig, message)
        except InvalidSignature:
            raise AuthFailure("invalid signature") from None
        return key_id
