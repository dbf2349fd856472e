"""Credentials never reach a log: every log record is redacted where it is made.

`install_redaction()` (called by every entry point: the `ktape` command line and the
API's worker factory) wraps the logging record factory, so a record from *any* logger,
third-party ones included (websockets' handshake headers, httpx, uvicorn, psycopg), is
masked before any handler or formatter sees it. Masked:

* the values of `KALSHI-ACCESS-KEY`, `-SIGNATURE`, `-TIMESTAMP`, `Authorization`,
  `X-API-Key` headers (as `name: value`, `name=value` or `'name': 'value'`);
* our API keys (`kt_<id>_<secret>`: the id stays, the secret goes);
* passwords in URLs (`scheme://user:PASSWORD@host`) and `password=...` pairs;
* literal secrets registered with `add_secret` (the Kalshi key id of this process).

`RedactingFilter` does the same as a `logging.Filter` for handlers built elsewhere.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from typing import Any

from kalshi_tape.core.errors import ConfigError

MASK = "***"
LEVEL_ENV = "KTAPE_LOG_LEVEL"  # e.g. DEBUG: root logging to stderr for any command

_HEADER = re.compile(
    r"(?P<name>kalshi[-_]access[-_](?:key|signature|timestamp)|authorization|x[-_]api[-_]key)"
    r"(?P<sep>['\"]?\s*[:=,]\s*[(\[]?\s*(?:b?['\"])?)"
    r"(?P<scheme>(?:bearer|basic)\s+)?"
    r"(?P<value>[^\s'\",)\]}]+)",
    re.IGNORECASE,
)
_API_KEY = re.compile(r"\b(kt_[0-9a-f]{8}_)[A-Za-z0-9_-]{8,}")
# The password runs to the last `@` of the authority (an unencoded `/` or `:` stays inside).
_URL_PASSWORD = re.compile(r"([a-z][a-z0-9+.-]*://[^:/\s@]*:)[^@\s]+(@)", re.IGNORECASE)
_PASSWORD_PAIR = re.compile(
    r"\b((?:pg)?password['\"]?\s*[=:]\s*)(['\"]?)[^\s'\"&;,}]+", re.IGNORECASE
)

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def add_secret(value: str | None) -> None:
    """Mask this literal everywhere from now on (ignored when shorter than 6 characters)."""
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """`text` with every credential masked."""
    text = _HEADER.sub(lambda m: f"{m['name']}{m['sep']}{m['scheme'] or ''}{MASK}", text)
    text = _API_KEY.sub(rf"\g<1>{MASK}", text)
    text = _URL_PASSWORD.sub(rf"\g<1>{MASK}\g<2>", text)
    text = _PASSWORD_PAIR.sub(rf"\g<1>\g<2>{MASK}", text)
    for secret in tuple(_secrets):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_record(record: logging.LogRecord) -> None:
    """Format the record's message now, masked; the traceback too."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep what can be shown, masked
        message = f"{record.msg!r} {record.args!r}"
    record.msg, record.args = redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install_redaction() -> None:
    """Redact every record made in this process from now on (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        redact_record(record)
        return record

    logging.setLogRecordFactory(factory)


def configure_logging(env: dict[str, str] | None = None) -> None:
    """Install redaction; with `$KTAPE_LOG_LEVEL` set, also log at that level to stderr."""
    install_redaction()
    level = (os.environ if env is None else env).get(LEVEL_ENV, "").strip().upper()
    if not level:
        return
    if level not in logging.getLevelNamesMapping():
        raise ConfigError(LEVEL_ENV, f"{level!r} is not a logging level (DEBUG, INFO, ...)")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
