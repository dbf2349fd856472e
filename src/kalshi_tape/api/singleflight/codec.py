"""Upstream answers as JSON text, so that another worker can share them.

An answer is a `FetchResult` (an event's candles were fetched and stored), an event
ticker (where a market belongs), nothing (a series exists) or "not found"; the candles
themselves travel through the shared warehouse, not through here.
"""

from __future__ import annotations

import json

from kalshi_tape.api.upstream import FetchResult
from kalshi_tape.core.errors import NotFound


def encode(value: object) -> str:
    if isinstance(value, FetchResult):
        return json.dumps({"fetch": [value.rows, value.requests, value.final]})
    if value is None or isinstance(value, str):
        return json.dumps({"value": value})
    raise TypeError(f"cannot share an upstream answer of type {type(value).__name__}")


def encode_not_found(exc: NotFound) -> str:
    return json.dumps({"not_found": [exc.status, exc.code, exc.message]})


def decode(text: str) -> object:
    """The shared answer; a shared "not found" is raised as NotFound."""
    data = json.loads(text)
    if "fetch" in data:
        rows, requests, final = data["fetch"]
        return FetchResult(int(rows), int(requests), bool(final))
    if "not_found" in data:
        status, code, message = data["not_found"]
        raise NotFound(int(status), str(code), str(message))
    return data["value"]
