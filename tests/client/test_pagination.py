from __future__ import annotations

import pytest

from kalshi_tape.client.pagination import paginate
from kalshi_tape.core.domain import Page
from kalshi_tape.core.errors import KalshiError


async def test_follows_cursors_until_the_last_page() -> None:
    pages = {None: Page((1, 2), "a"), "a": Page((3,), "b"), "b": Page((), None)}
    seen: list[str | None] = []

    async def fetch(cursor: str | None) -> Page[int]:
        seen.append(cursor)
        return pages[cursor]

    assert [x async for x in paginate(fetch)] == [1, 2, 3]
    assert seen == [None, "a", "b"]


async def test_a_repeated_cursor_stops_instead_of_looping() -> None:
    async def fetch(cursor: str | None) -> Page[int]:
        return Page((1,), "same")

    with pytest.raises(KalshiError, match="repeated"):
        [x async for x in paginate(fetch)]
