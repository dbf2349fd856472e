"""What every group of REST endpoints shares: the one request path (`HttpCore`) and
small helpers for path segments and ticker lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import quote

from kalshi_tape.client.http import HttpCore, Params

T = TypeVar("T")


def segment(value: str) -> str:
    """One URL path segment: a ticker can never change which endpoint is asked."""
    return quote(value, safe="")


def join_tickers(tickers: Sequence[str] | None) -> str | None:
    return ",".join(tickers) if tickers else None


def chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class EndpointBase:
    """Holds the HTTP core; endpoint groups add methods over `_get`."""

    _http: HttpCore

    async def _get(
        self, path: str, parser: Callable[[bytes], T], params: Params | None = None
    ) -> T:
        return parser(await self._http.get(path, params))
