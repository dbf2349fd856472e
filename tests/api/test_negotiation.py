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
