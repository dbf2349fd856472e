"""Accept-Encoding by RFC 9110: q-values decide, `q=0` refuses."""

from __future__ import annotations

import pytest

from kalshi_tape.api.render import accepts_gzip


@pytest.mark.parametrize(
    ("header", "gzip_ok"),
    [
        ("gzip", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("gzip;q=0.5, identity", True),
        ("identity", False),
        ("*", True),
        ("*;q=0", False),
        ("br, *;q=0.1", True),
        ("gzip;q=0, *", False),
        ("deflate", False),
        ("gzip;q=abc", False),
        ("GZIP;Q=1", True),
    ],
)
def test_gzip_acceptance_follows_q_values(header: str, gzip_ok: bool) -> None:
    scope = {"headers": [(b"accept-encoding", header.encode())]}
    assert accepts_gzip(scope) is gzip_ok


def test_no_header_means_no_gzip() -> None:
    assert accepts_gzip({"headers": []}) is False


# ---------------------------------------------------------------- Accept and identity

from kalshi_tape.api import negotiation  # noqa: E402
from kalshi_tape.api.errors import ApiProblem  # noqa: E402


def _scope(**headers: str) -> dict[str, object]:
    return {"headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]}


@pytest.mark.parametrize(
    ("accept", "requested", "chosen"),
    [
        (None, None, "json"),
        (None, "csv", "csv"),
        ("*/*", "parquet", "parquet"),
        ("text/csv", None, "csv"),
        ("text/*", None, "csv"),
        ("application/json;q=0.5, text/csv", None, "csv"),
        ("application/vnd.apache.parquet, */*;q=0.1", None, "parquet"),
        ("text/csv;q=0, */*", None, "json"),
        ("text/csv;q=0, */*", "json", "json"),
        ("application/*", "json", "json"),
    ],
)
def test_accept_chooses_the_format(accept: str | None, requested: str | None, chosen: str) -> None:
    scope = _scope(accept=accept) if accept else _scope()
    assert negotiation.choose_format(scope, requested) == chosen


@pytest.mark.parametrize(
    ("accept", "requested"),
    [
        ("image/png", None),
        ("text/html, image/*", None),
        ("application/json", "csv"),
        ("text/csv;q=0, */*", "csv"),
        ("*/*;q=0", None),
    ],
)
def test_nothing_producible_is_406_with_the_types_available(
    accept: str, requested: str | None
) -> None:
    with pytest.raises(ApiProblem) as caught:
        negotiation.choose_format(_scope(accept=accept), requested)
    assert caught.value.status == 406
    for media_type in negotiation.FORMAT_TYPES.values():
        assert media_type in caught.value.message


@pytest.mark.parametrize(
    ("header", "gzip_ok", "identity_ok"),
    [
        (None, False, True),
        ("gzip", True, True),
        ("identity", False, True),
        ("identity;q=0", False, False),
        ("gzip, identity;q=0", True, False),
        ("*;q=0", False, False),
        ("*;q=0, identity", False, True),
        ("br", False, True),
    ],
)
def test_codings_follow_q_values(header: str | None, gzip_ok: bool, identity_ok: bool) -> None:
    scope = _scope(accept_encoding=header) if header is not None else _scope()
    assert negotiation.encodings(scope) == (gzip_ok, identity_ok)


def test_identity_refused_without_alternative_is_406() -> None:
    with pytest.raises(ApiProblem) as caught:
        negotiation.require_encoding(_scope(accept_encoding="br, identity;q=0"))
    assert caught.value.status == 406


def test_identity_refused_forces_gzip_even_for_small_bodies() -> None:
    from kalshi_tape.api.render import maybe_gzip

    body, headers = maybe_gzip(b"{}", "json", True, False)
    assert headers["content-encoding"] == "gzip" and body != b"{}"
    assert maybe_gzip(b"{}", "json", True, True)[0] == b"{}"
