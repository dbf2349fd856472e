"""What the listing routes share: page parameters and the page body."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

from kalshi_tape.api.errors import ERROR_RESPONSES

Limit = Annotated[int, Query(ge=1, le=1000, description="Rows per page (at most 1000)")]
Cursor = Annotated[
    str | None, Query(max_length=2000, description="The `cursor` of the previous page")
]
Filter = Annotated[str | None, Query(max_length=200)]


class PageBody(BaseModel):
    """A page of rows; `cursor` is null on the last page."""

    rows: list[dict[str, Any]]
    cursor: str | None


class RowBody(BaseModel):
    row: dict[str, Any]


RESPONSES = ERROR_RESPONSES
