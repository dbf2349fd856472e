"""One generic cursor paginator for every list endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from kalshi_tape.core.domain import Page
from kalshi_tape.core.errors import KalshiError

T = TypeVar("T")

FetchPage = Callable[[str | None], Awaitable[Page[T]]]


async def paginate(fetch: FetchPage[T], cursor: str | None = None) -> AsyncIterator[T]:
    """Yield every item of every page, following `cursor` until the last page.

    `fetch(cursor)` returns one page; a page whose cursor is None or "" is the last.
    A cursor seen twice would loop forever, so it raises instead.
    """
    seen: set[str] = set()
    while True:
        page = await fetch(cursor)
        for item in page.items:
            yield item
        if not page.cursor:
            return
        if page.cursor in seen:
            raise KalshiError(f"pagination cursor {page.cursor!r} repeated; stopping")
        seen.add(page.cursor)
        cursor = page.cursor
