"""One error tree with a single root. Every error carries its data, never secrets.

KtapeError
├── ConfigError(key)
├── ParseError(path, reason, value)
├── KalshiError
│   ├── TransportError(method, path)             connection, timeout, protocol
│   ├── ApiError(status, code, message, method, path)
│   │   ├── AuthError                            401 / 403
│   │   ├── NotFound                             404
│   │   ├── RateLimited                          429
│   │   └── ServerError                          5xx
│   └── StreamError
│       └── SequenceGap(sid, expected, got)
├── StorageError
└── BackfillError
"""

from __future__ import annotations


class KtapeError(Exception):
    """Root of every error kalshi-tape raises on purpose."""


class ConfigError(KtapeError):
    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"configuration {key}: {reason}")
        self.key = key
        self.reason = reason


class ParseError(KtapeError):
    """A payload that does not fit the wire model; `path` names the field, e.g. `market.yes_bid`."""

    def __init__(self, path: str, reason: str, value: object = None) -> None:
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(f"cannot parse {path}: {reason} (got {shown})")
        self.path = path
        self.reason = reason
        self.value = value


class KalshiError(KtapeError):
    """Anything that went wrong talking to the exchange."""


class TransportError(KalshiError):
    def __init__(self, method: str, path: str, reason: str) -> None:
        super().__init__(f"{method} {path}: {reason}")
        self.method = method
        self.path = path
        self.reason = reason


class ApiError(KalshiError):
    def __init__(
        self, status: int, code: str, message: str, method: str = "", path: str = ""
    ) -> None:
        super().__init__(f"{method} {path} -> HTTP {status} {code}: {message}".strip())
        self.status = status
        self.code = code
        self.message = message
        self.method = method
        self.path = path


class AuthError(ApiError):
    """The exchange refused our credentials (wrong key, bad signature, clock skew)."""


class NotFound(ApiError):
    pass


class RateLimited(ApiError):
    pass


class ServerError(ApiError):
    pass


class StreamError(KalshiError):
    """A WebSocket-level problem (channel error, handshake refused)."""


class SequenceGap(StreamError):
    def __init__(self, sid: int, expected: int, got: int) -> None:
        super().__init__(f"sid {sid}: expected seq {expected}, got {got}")
        self.sid = sid
        self.expected = expected
        self.got = got


class StorageError(KtapeError):
    pass


class BackfillError(KtapeError):
    pass
