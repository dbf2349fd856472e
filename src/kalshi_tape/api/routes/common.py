"""What the listing routes share: page parameters, the string rules at the edge, the page
body.

Every string parameter is checked here, before it reaches a store: printable ASCII of a
stated set, bounded length, never a control character (NUL, CR, LF ...) or a look-alike
Unicode letter. A value outside its rule gets 422 naming the rule."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

from kalshi_tape.api import catalog
from kalshi_tape.api.errors import ERROR_RESPONSES
from kalshi_tape.api.services import Services
from kalshi_tape.api.timeparams import in_range, instant

Limit = Annotated[int, Query(ge=1, le=1000, description="Rows per page (at most 1000)")]
# the rules, shared by path and query parameters
TICKER = r"^[A-Za-z0-9._-]{1,100}$"  # market, event and series tickers
FILTER = r"^[A-Za-z0-9 ._:/&,()+'-]{1,200}$"  # category, status, station, source
CURSOR = r"^[A-Za-z0-9_=-]{1,2000}$"  # url-safe base64, as this API returns it

Cursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=2000,
        pattern=CURSOR,
        description="The `cursor` of the previous page",
    ),
]
Filter = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        pattern=FILTER,
        description="Exact match; ASCII letters, digits, space and ._:/&,()+'- only",
    ),
]


class PageBody(BaseModel):
    """A page of rows; `cursor` is null on the last page."""

    rows: list[dict[str, Any]]
    cursor: str | None


class RowBody(BaseModel):
    row: dict[str, Any]


RESPONSES = ERROR_RESPONSES


async def page_body(svc: Services, query: catalog.Query) -> PageBody:
    """One page of `query` from the warehouse (read off the event loop)."""
    result = await asyncio.to_thread(catalog.page, svc.store, query)
    return PageBody(rows=result.rows, cursor=result.cursor)


def since_until(column: str, start: str | None, end: str | None) -> list[tuple[str, object]]:
    """`start <= column < end` conditions from the `start` / `end` parameters (None: open)."""
    return [
        (f"{column} >= {{p}}", in_range("time", instant("start", start))),
        (f"{column} < {{p}}", in_range("time", instant("end", end))),
    ]
