"""Time query parameters (`start`, `end`, `at`) through the one time parser, `timeparse`.

A bare number is ambiguous (seconds? milliseconds?) and is refused with 422 naming the
parameter, the allowed forms and range, and an example that works.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Query

from kalshi_tape.api.errors import bad_parameter
from kalshi_tape.core.timeparse import EXAMPLES, TimeInputError, parse_instant

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FORMS = f"ISO 8601 with a zone, an ISO date (midnight UTC), or epoch with a unit; {EXAMPLES}"

TimeQ = Annotated[str | None, Query(description=FORMS)]


def instant_ns(name: str, text: str | None) -> int | None:
    """Unix ns of query parameter `name`, or 422 saying what was wrong and what works."""
    if text is None:
        return None
    try:
        return parse_instant(text)
    except TimeInputError as exc:
        raise bad_parameter(f"{name}: {exc}") from None


def instant(name: str, text: str | None) -> datetime | None:
    """The parameter as an aware UTC datetime (microseconds; the ns are in `instant_ns`)."""
    ns = instant_ns(name, text)
    return None if ns is None else EPOCH + timedelta(microseconds=ns // 1000)


def in_range(name: str, moment: datetime | None) -> datetime | None:
    """`moment` in UTC (naive: taken as UTC), or 422 naming `name` outside 1970..2200."""
    if moment is None:
        return None
    if not 1970 <= moment.year <= 2200:
        raise bad_parameter(f"{name}: must lie between 1970 and 2200")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
