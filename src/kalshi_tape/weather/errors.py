"""Errors of the weather services, under the project's root `KtapeError`.

KtapeError
└── WeatherError
    ├── WeatherTransportError(url, reason)        connection, timeout
    └── WeatherServiceError(status, url, detail)  an HTTP error status

Bad configuration (unknown station, inverted dates) is `ConfigError`; a payload that is
not what the service documents (HTML instead of JSON, a truncated CSV) is `ParseError`.
"""

from __future__ import annotations

from kalshi_tape.core.errors import KtapeError


class WeatherError(KtapeError):
    """Anything that went wrong talking to a weather service."""


class WeatherTransportError(WeatherError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"GET {url}: {reason}")
        self.url = url
        self.reason = reason


class WeatherServiceError(WeatherError):
    def __init__(self, status: int, url: str, detail: str = "") -> None:
        shown = f": {detail}" if detail else ""
        super().__init__(f"GET {url} -> HTTP {status}{shown}")
        self.status = status
        self.url = url
        self.detail = detail
