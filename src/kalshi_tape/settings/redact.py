"""Printable forms of secrets: database URLs with their password replaced, keys cut short."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_SECRET_KEYS = ("password", "passfile", "sslpassword")
# `password=...` in a keyword DSN or a query string; the value ends at `&` or a space.
_KEYWORD_SECRET = re.compile(
    r"\b(password|passfile|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&]+)", re.I
)


def redact_url(url: str) -> str:
    """A database URL or keyword DSN fit to print: passwords replaced by `***`.

    Handles `scheme://user:secret@host/db`, `...?password=secret` (with or without a
    host part), `host=h password=secret`, and malformed URLs (by the keyword rule).
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return _KEYWORD_SECRET.sub(lambda m: f"{m.group(1)}=***", _hide_userinfo(url))
    if not parts.scheme or not parts.netloc:
        return _KEYWORD_SECRET.sub(lambda m: f"{m.group(1)}=***", url)
    query = "&".join(
        f"{k}=***" if k.lower() in _SECRET_KEYS else f"{k}={v}" if sep else k
        for k, sep, v in (item.partition("=") for item in parts.query.split("&") if item)
    )
    netloc = _hide_userinfo(parts.netloc)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _hide_userinfo(text: str) -> str:
    """`user:secret@host` -> `user:***@host` (the last `@` ends the user part)."""
    head, at, host = text.rpartition("@")
    if not at or ":" not in head:
        return text
    scheme, sep, userinfo = head.rpartition("//")
    return f"{scheme}{sep}{userinfo.split(':', 1)[0]}:***@{host}"


def mask(secret: str | None) -> str:
    if not secret:
        return "(not set)"
    return secret[:4] + "…" if len(secret) > 8 else "…"
