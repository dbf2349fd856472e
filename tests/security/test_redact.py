"""The redaction rules, one line each, and the record factory that applies them to any
logger (third-party ones included)."""

from __future__ import annotations

import logging

import pytest

from kalshi_tape.observability import RedactingFilter, add_secret, install_redaction, redact

SIG = "dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSBidXQgaXQgaXMgbG9uZyBlbm91Z2g="


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (f"> KALSHI-ACCESS-SIGNATURE: {SIG}", SIG),
        ("> KALSHI-ACCESS-KEY: 0f3c-key-id", "0f3c-key-id"),
        ("> kalshi-access-timestamp: 1765000000000", "1765000000000"),
        (f"headers={{'KALSHI-ACCESS-SIGNATURE': '{SIG}'}}", SIG),
        (f"[(b'kalshi-access-signature', b'{SIG}')]", SIG),
        ("Authorization: Bearer kt_0a1b2c3d_abcdefghijklmnopqrstuv", "abcdefghijklmnopqrstuv"),
        ("authorization=Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("X-API-Key: s3cr3t-value", "s3cr3t-value"),
        ("key kt_0a1b2c3d_abcdefghijklmnopqrstuv refused", "abcdefghijklmnopqrstuv"),
        ("connecting to postgresql://ktape:hunter2pw@db:5432/w", "hunter2pw"),
        ("dsn host=db user=ktape password=hunter2pw dbname=w", "hunter2pw"),
        # forms an independent review found unmasked
        ("postgresql://postgres:hunter/22x@127.0.0.1/x", "hunter/22x"),
        ("POSTGRESQL://u:hunter22x@127.0.0.1:1/db", "hunter22x"),
        (f"KALSHI_ACCESS_SIGNATURE={SIG}", SIG),
        ("x_api_key: s3cr3t-value", "s3cr3t-value"),
        ("PGPASSWORD=hunter2pw psql", "hunter2pw"),
        ('{"password": "hunter2pw"}', "hunter2pw"),
        ("password: hunter2pw", "hunter2pw"),
    ],
)
def test_each_credential_is_masked(line: str, secret: str) -> None:
    masked = redact(line)
    assert secret not in masked
    assert "***" in masked


def test_api_key_id_stays_readable() -> None:
    assert redact("kt_0a1b2c3d_abcdefghijklmnopqrstuv") == "kt_0a1b2c3d_***"


def test_harmless_text_is_unchanged() -> None:
    line = "GET /v1/candles/KXHIGHNY-25DEC07-B45 200 key=0a1b2c3d 1.2ms"
    assert redact(line) == line


def test_registered_secret_is_masked_anywhere() -> None:
    add_secret("unit-test-key-id-77")
    assert redact("signing as unit-test-key-id-77 now") == "signing as *** now"


def test_any_logger_is_redacted_through_the_record_factory(
    caplog: pytest.LogCaptureFixture,
) -> None:
    install_redaction()
    with caplog.at_level(logging.DEBUG, logger="websockets.client"):
        logging.getLogger("websockets.client").debug("> %s: %s", "KALSHI-ACCESS-SIGNATURE", SIG)
        try:
            raise ValueError(f"Authorization: {SIG}")
        except ValueError:
            logging.getLogger("httpx").exception("failed")
    text = caplog.text
    assert SIG not in text
    assert "KALSHI-ACCESS-SIGNATURE: ***" in text


def test_filter_form_redacts_a_record() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "%s", (f"Authorization: {SIG}",), None
    )
    RedactingFilter().filter(record)
    assert SIG not in record.getMessage()
