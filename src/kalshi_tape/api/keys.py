"""API keys: `kt_<id>_<secret>`; only the SHA-256 of the whole key is stored.

The id (8 hex digits) names a key in listings and logs; the secret never leaves the
`create` call that prints it once. `KeyRegistry` keeps the active keys' hashes in memory
and reloads them every `RELOAD_S` seconds, so a key revoked by `ktape apikey revoke` in
another process is refused within that time. Where the keys live (the warehouse, or a
SQLite file beside a DuckDB one) is `kalshi_tape.api.keystore`'s business.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from kalshi_tape.api.keystore import COLUMNS, KeyTable
from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.core.errors import KtapeError

RELOAD_S = 2.0
_KEY = re.compile(r"^kt_([0-9a-f]{8})_[A-Za-z0-9_-]{20,64}$")


class ApiKeyError(KtapeError):
    """An API key operation failed (unknown id, ...)."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    name: str
    issued_at: datetime
    revoked_at: datetime | None
    rate_per_s: int | None  # None: the server default
    burst: int | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_id_of(key: str) -> str | None:
    match = _KEY.match(key)
    return match.group(1) if match else None


def create_key(
    store: KeyTable, name: str, rate_per_s: int | None = None, burst: int | None = None
) -> tuple[str, ApiKey]:
    """A new key: returns (the key itself, shown once; its record)."""
    key_id = secrets.token_hex(4)
    key = f"kt_{key_id}_{secrets.token_urlsafe(24)}"
    now = datetime.now(UTC)
    marks = ", ".join(store.placeholder for _ in range(len(COLUMNS) + 1))
    store.sql(
        f"INSERT INTO api_keys ({', '.join(COLUMNS)}, ingested_at) VALUES ({marks})",
        (key_id, name, hash_key(key), now, None, rate_per_s, burst, now),
    )
    return key, ApiKey(key_id, name, now, None, rate_per_s, burst)


def list_keys(store: KeyTable) -> list[ApiKey]:
    rows = store.sql(
        "SELECT key_id, name, issued_at, revoked_at, rate_per_s, burst FROM api_keys "
        "ORDER BY issued_at, key_id"
    )
    return [ApiKey(str(r[0]), str(r[1]), r[2], r[3], r[4], r[5]) for r in rows]


def revoke_key(store: KeyTable, key_id: str) -> ApiKey:
    p = store.placeholder
    found = [k for k in list_keys(store) if k.key_id == key_id]
    if not found:
        raise ApiKeyError(f"no API key with id {key_id!r} (see `ktape apikey list`)")
    if found[0].active:
        store.sql(
            f"UPDATE api_keys SET revoked_at = {p}, ingested_at = {p} WHERE key_id = {p}",
            (datetime.now(UTC), datetime.now(UTC), key_id),
        )
    return next(k for k in list_keys(store) if k.key_id == key_id)


@dataclass(frozen=True, slots=True)
class Caller:
    key_id: str
    rate_per_s: int | None
    burst: int | None


class KeyRegistry:
    """Active keys by id, with their hashes; thread-safe, reloaded periodically."""

    def __init__(self, store: KeyTable, clock: Clock = SYSTEM_CLOCK) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[str, Caller]] = {}
        self._loaded = -1e18

    def reload(self) -> None:
        rows = self._store.sql(
            "SELECT key_id, key_hash, rate_per_s, burst FROM api_keys WHERE revoked_at IS NULL"
        )
        keys = {str(r[0]): (str(r[1]), Caller(str(r[0]), r[2], r[3])) for r in rows}
        with self._lock:
            self._keys = keys
            self._loaded = self._clock.monotonic()

    def due(self) -> bool:
        return self._clock.monotonic() - self._loaded >= RELOAD_S

    @property
    def configured(self) -> int:
        return len(self._keys)

    def check(self, key: str) -> Caller | None:
        """The caller a presented key belongs to, or None (unknown, wrong or revoked)."""
        key_id = key_id_of(key)
        if key_id is None:
            return None
        with self._lock:
            entry = self._keys.get(key_id)
        if entry is None or not hmac.compare_digest(entry[0], hash_key(key)):
            return None
        return entry[1]
