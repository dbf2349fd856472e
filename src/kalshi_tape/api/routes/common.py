"""What the listing routes share: page parameters, the string rules at the edge, the page
body.

Every string parameter is checked here, before it reaches a store: printable ASCII of a
stated set, bounded length, never a control character (NUL, CR, LF ...) or a look-alike
Unicode letter. A value outside its rule gets 422 naming the rule."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

from kalshi_tape.api.errors import ERROR_RESPONSES

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
