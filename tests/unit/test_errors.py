"""One error tree with a single root; every error carries its data."""

from __future__ import annotations

import pytest

from kalshi_tape.core import errors
from kalshi_tape.core.errors import (
    ApiError,
    AuthError,
    BackfillError,
    ConfigError,
    KalshiError,
    KtapeError,
    NotFound,
    ParseError,
    RateLimited,
    SequenceGap,
    ServerError,
    StorageError,
    StreamError,
    TransportError,
)

TREE = {
    ConfigError: KtapeError,
    ParseError: KtapeError,
    KalshiError: KtapeError,
    StorageError: KtapeError,
    BackfillError: KtapeError,
    TransportError: KalshiError,
    ApiError: KalshiError,
    AuthError: ApiError,
    NotFound: ApiError,
    RateLimited: ApiError,
    ServerError: ApiError,
    StreamError: KalshiError,
    SequenceGap: StreamError,
}


def test_tree_has_one_root() -> None:
    for child, parent in TREE.items():
        assert child.__bases__ == (parent,)
    defined = {
        obj
        for obj in vars(errors).values()
        if isinstance(obj, type) and issubclass(obj, Exception) and obj is not KtapeError
    }
    assert defined == set(TREE)
    assert KtapeError.__bases__ == (Exception,)


def test_errors_carry_their_data() -> None:
    parse_error = ParseError("market.yes_bid", "not a price", "x" * 200)
    assert (parse_error.path, parse_error.reason, parse_error.value) == (
        "market.yes_bid",
        "not a price",
        "x" * 200,
    )
    assert "market.yes_bid" in str(parse_error) and len(str(parse_error)) < 160
    config = ConfigError("tier", "bad")
    assert (config.key, config.reason) == ("tier", "bad")
    transport = TransportError("GET", "/markets", "timeout")
    assert (transport.method, transport.path, transport.reason) == ("GET", "/markets", "timeout")
    limited = RateLimited(429, "too_many_requests", "too many requests", "GET", "/markets")
    assert (limited.status, limited.code, limited.message) == (
        429,
        "too_many_requests",
        "too many requests",
    )
    assert "HTTP 429" in str(limited) and "/markets" in str(limited)
    gap = SequenceGap(sid=2, expected=8, got=10)
    assert (gap.sid, gap.expected, gap.got) == (2, 8, 10)
    assert str(gap) == "sid 2: expected seq 8, got 10"


@pytest.mark.parametrize("cls", [AuthError, NotFound, RateLimited, ServerError])
def test_api_errors_are_caught_as_kalshi_and_root_errors(cls: type[ApiError]) -> None:
    with pytest.raises(KtapeError):
        raise cls(500, "c", "m")
    with pytest.raises(KalshiError):
        raise cls(500, "c", "m")
