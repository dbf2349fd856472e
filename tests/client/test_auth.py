"""Signing: verified with `cryptography` against the public key, RSA-PSS and Ed25519."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from kalshi_tape.client.auth import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    KalshiAuth,
    Signer,
    load_private_key,
)
from kalshi_tape.core.clock import ManualClock
from kalshi_tape.core.errors import ConfigError
from kalshi_tape.settings.shared import Settings

PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def _write_pem(path: Path, key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_rsa_signature_covers_timestamp_method_and_path_without_query(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    clock = ManualClock(start_ns=1_703_123_456_789_000_000)
    auth = KalshiAuth(Signer("key-123", rsa_key, clock))
    request = httpx.Request("GET", "https://x.test/trade-api/v2/markets?limit=5&cursor=abc")
    signed = next(auth.auth_flow(request))
    assert signed.headers[KEY_HEADER] == "key-123"
    assert signed.headers[TIMESTAMP_HEADER] == "1703123456789"
    signature = base64.b64decode(signed.headers[SIGNATURE_HEADER])
    message = b"1703123456789GET/trade-api/v2/markets"
    rsa_key.public_key().verify(signature, message, PSS, hashes.SHA256())
    with pytest.raises(InvalidSignature):
        rsa_key.public_key().verify(signature, message + b"?limit=5", PSS, hashes.SHA256())


def test_ed25519_keys_sign_the_same_text(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    loaded = load_private_key(_write_pem(tmp_path / "ed.pem", key))
    headers = Signer("k", loaded, ManualClock(start_ns=5_000_000)).headers(
        "get", "/trade-api/ws/v2"
    )
    signature = base64.b64decode(headers[SIGNATURE_HEADER])
    key.public_key().verify(signature, b"5GET/trade-api/ws/v2")


def test_signer_from_settings_loads_the_key_file(
    tmp_path: Path, rsa_key: rsa.RSAPrivateKey
) -> None:
    path = _write_pem(tmp_path / "k.pem", rsa_key)
    settings = Settings(api_key_id="abcd-efgh-ijkl", private_key_path=path)
    signer = Signer.from_settings(settings)
    assert signer is not None
    assert "BEGIN" not in repr(signer) and "efgh-ijkl" not in repr(signer)
    assert Signer.from_settings(Settings()) is None


def test_unreadable_or_wrong_key_files_name_the_problem_without_content(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_private_key(tmp_path / "missing.pem")
    junk = tmp_path / "junk.pem"
    junk.write_text("SECRET-MATERIAL-NOT-A-KEY")
    with pytest.raises(ConfigError, match="not an unencrypted PEM") as info:
        load_private_key(junk)
    assert "SECRET-MATERIAL" not in str(info.value)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_path = tmp_path / "ec.pem"
    ec_path.write_bytes(
        ec_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ConfigError, match="need RSA or Ed25519"):
        load_private_key(ec_path)
