"""Cross-cutting observability helpers: credential redaction of every log record."""

from kalshi_tape.observability.redact import (
    RedactingFilter,
    add_secret,
    configure_logging,
    install_redaction,
    redact,
)

__all__ = ["RedactingFilter", "add_secret", "configure_logging", "install_redaction", "redact"]
