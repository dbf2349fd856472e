"""Rendezvous (highest random weight) hashing: which live member should hold a key.

Every member computes the same answer from the same member list, and when a member
joins or leaves only the keys it wins or held change hands.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def weight(member: str, key: str) -> int:
    digest = hashlib.blake2b(f"{member}\0{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner_of(key: str, members: Iterable[str]) -> str | None:
    """The member that should hold `key` (None when there is no member)."""
    return max(members, key=lambda m: (weight(m, key), m), default=None)
