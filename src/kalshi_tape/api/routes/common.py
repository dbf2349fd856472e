"""What the listing routes share: page parameters, the string rules at the edge, the page
body.

Every string parameter is checked here, before it reaches a store: printable ASCII of a
stated set, bounded length, never a control character (NUL, CR, LF ...) or a look-alike
Unicode letter. A value outside its rule gets 422 naming the rule."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BaseModel

from kalshi_tape.api import catalog
from kalshi_tape.api.errors import ERROR_RESPONSES
from kalshi_tape.api.services import Services
from kalshi_tape.api.timeparams import TimeQ, in_range, instant
from kalshi_tape.storage.schema import Table

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


@dataclass(frozen=True, slots=True)
class PageArgs:
    """The `limit` and `cursor` query parameters of a listing route."""

    limit: int
    cursor: str | None


def page_args(limit: Limit = 100, cursor: Cursor = None) -> PageArgs:
    return PageArgs(limit, cursor)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """The `start` / `end` query parameters of a time-ordered listing, as given."""

    start: str | None
    end: str | None

    def conditions(self, column: str) -> list[tuple[str, object]]:
        """`start <= column < end` conditions (None: open); a bad time gets a 422."""
        return [
            (f"{column} >= {{p}}", in_range("time", instant("start", self.start))),
            (f"{column} < {{p}}", in_range("time", instant("end", self.end))),
        ]


def window(start: TimeQ = None, end: TimeQ = None) -> TimeWindow:
    return TimeWindow(start, end)


# Route parameters: FastAPI lists a dependency's query parameters after the route's own.
Page = Annotated[PageArgs, Depends(page_args)]
Window = Annotated[TimeWindow, Depends(window)]


async def page_body(
    svc: Services,
    page: PageArgs,
    table: Table,
    filters: Mapping[str, object],
    conditions: Sequence[tuple[str, object]] = (),
    key: tuple[str, ...] = (),
) -> PageBody:
    """One page of `table`'s rows matching `filters` and `conditions` (read off the event
    loop), in `key` order (default: the primary key)."""
    query = catalog.Query(
        table, dict(filters), conditions, key, limit=page.limit, cursor=page.cursor
    )
    result = await asyncio.to_thread(catalog.page, svc.store, query)
    return PageBody(rows=result.rows, cursor=result.cursor)
