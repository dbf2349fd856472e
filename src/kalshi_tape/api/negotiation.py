"""Content negotiation by RFC 9110 (12.5.1 Accept, 12.5.3 Accept-Encoding).

* `Accept`: the most specific matching range (`text/csv` > `text/*` > `*/*`) gives a media
  type its q-value; q=0 refuses it. No header accepts everything. An explicit `format`
  that the Accept header refuses, or an Accept that allows none of our types, is a 406
  naming the types available. Without `format`, the acceptable type of highest q wins
  (JSON on a tie).
* `Accept-Encoding`: gzip when `gzip` (else `*`) has q > 0; `identity` is acceptable
  unless refused by `identity;q=0` (or `*;q=0` without an `identity` entry). Neither
  acceptable: 406.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kalshi_tape.api.errors import ApiProblem

FORMAT_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
}


def header(scope: Mapping[str, Any], name: bytes) -> str | None:
    values = [v for k, v in scope["headers"] if k == name]
    return b",".join(values).decode("latin-1") if values else None


def weights(text: str) -> dict[str, float]:
    """`name;q=...` items by lower-cased name (q 1 when absent, 0 when malformed)."""
    out: dict[str, float] = {}
    for item in text.split(","):
        name, _, params = item.strip().partition(";")
        if name.strip():
            out[name.strip().lower()] = _q(params)
    return out


def _q(params: str) -> float:
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "q":
            try:
                q = float(value)
            except ValueError:
                return 0.0
            return q if 0 <= q <= 1 else 0.0
    return 1.0


def media_q(accept: dict[str, float], media_type: str) -> float:
    """The q-value the Accept ranges give `media_type` (most specific range wins)."""
    kind = media_type.split("/", 1)[0]
    for candidate in (media_type, f"{kind}/*", "*/*"):
        if candidate in accept:
            return accept[candidate]
    return 0.0


def choose_format(scope: Mapping[str, Any], requested: str | None) -> str:
    """The format to answer in, or a 406 listing the types available."""
    text = header(scope, b"accept")
    if text is None or not text.strip():
        return requested or "json"
    accept = weights(text)
    if requested is not None:
        if media_q(accept, FORMAT_TYPES[requested]) > 0:
            return requested
        raise _not_acceptable(f"format={requested} is {FORMAT_TYPES[requested]}")
    best = max(FORMAT_TYPES, key=lambda fmt: media_q(accept, FORMAT_TYPES[fmt]))
    if media_q(accept, FORMAT_TYPES[best]) > 0:
        return best
    raise _not_acceptable("none of the types the Accept header allows can be produced")


def encodings(scope: Mapping[str, Any]) -> tuple[bool, bool]:
    """(gzip acceptable, identity acceptable)."""
    text = header(scope, b"accept-encoding")
    if text is None:
        return False, True
    coding = weights(text)
    star = coding.get("*")
    gzip_q = coding.get("gzip", coding.get("x-gzip", star if star is not None else 0.0))
    identity_q = coding.get("identity", 0.0 if star == 0 else 1.0)
    return gzip_q > 0, identity_q > 0


def require_encoding(scope: Mapping[str, Any]) -> tuple[bool, bool]:
    gzip_ok, identity_ok = encodings(scope)
    if not (gzip_ok or identity_ok):
        raise ApiProblem(
            406,
            "not_acceptable",
            "Accept-Encoding refuses identity and every coding available (gzip, identity)",
        )
    return gzip_ok, identity_ok


def _not_acceptable(why: str) -> ApiProblem:
    available = ", ".join(FORMAT_TYPES.values())
    return ApiProblem(
        406, "not_acceptable", f"the Accept header refuses it ({why}); available: {available}"
    )
