"""Shared guards for weather payloads: refuse HTML error pages and undecodable bodies with
a clear ParseError before any parser looks at the content."""

from __future__ import annotations

from typing import Any

import msgspec

from kalshi_tape.core.errors import ParseError


def text_of(body: bytes, what: str) -> str:
    """The body as text (UTF-8, else Latin-1: NWS products are ASCII); refuses HTML."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("latin-1")
    refuse_html(text, what)
    return text


def refuse_html(text: str, what: str) -> None:
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in head:
        title = ""
        lower = text.lower()
        if "<title>" in lower:
            title = text[lower.index("<title>") + 7 : lower.find("</title>")].strip()
        raise ParseError(what, "expected data, got an HTML page", title or text.lstrip()[:60])


def decode_json(body: bytes, what: str, into: type[Any]) -> Any:
    """msgspec-decode `body` into `into`; HTML and malformed JSON become ParseError."""
    text_of(body, what)
    try:
        return msgspec.json.decode(body, type=into)
    except msgspec.ValidationError as exc:
        raise ParseError(what, f"unexpected shape: {exc}") from None
    except msgspec.DecodeError as exc:
        raise ParseError(what, f"not valid JSON: {exc}", body[:60]) from None
