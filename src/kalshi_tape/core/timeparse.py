"""The one parser for time input (CLI --at and friends): an instant as Unix nanoseconds.

Accepted: ISO 8601 with a zone (`2024-01-01T12:00:00Z`, `...+05:00`), an ISO date
(`2024-01-01`, midnight UTC), or epoch with an explicit unit (`1700000000s`, `...ms`,
`...us`, `...ns`; integers only, so nothing is lost to floats). Everything else, bare
numbers like `20240101` or `1700000000` included, is rejected with an example that works.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

NS = 10**9
UNIT_NS = {"s": NS, "ms": 10**6, "us": 10**3, "ns": 1}
EXAMPLES = "e.g. 2024-01-01T15:30:00Z, 2024-01-01 (midnight UTC) or 1704067200s / 1704067200000ms"
MAX_NS = 253_402_300_800 * NS - 1  # 9999-12-31T23:59:59.999999999Z
_EPOCH = re.compile(r"(\d+)(s|ms|us|ns)")


class TimeInputError(ValueError):
    """Time input that is ambiguous, malformed or out of range; the message says why."""


def parse_instant(text: str) -> int:
    """Unix nanoseconds for `text`, or TimeInputError naming the input and what works."""
    value = text.strip()
    epoch = _EPOCH.fullmatch(value)
    if epoch:
        ns = int(epoch.group(1)) * UNIT_NS[epoch.group(2)]
        if ns > MAX_NS:
            raise TimeInputError(
                f"{text!r} is after 9999-12-31 (allowed: 0 to {MAX_NS}ns); {EXAMPLES}"
            )
        return ns
    if value.isdigit() or _is_number(value):
        raise TimeInputError(
            f"{text!r} is ambiguous: a number needs a unit (s, ms, us, ns); {EXAMPLES}"
        )
    if len(value) == 10:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise TimeInputError(f"{text!r} is not an ISO 8601 date or time; {EXAMPLES}") from None
        return _ns(datetime(day.year, day.month, day.day, tzinfo=UTC))
    return _ns(_zoned(text, value))


def iso_time(text: str) -> datetime:
    """ISO 8601 / RFC 3339 (`Z` allowed) as an aware datetime, UTC when it has no zone
    (wire and simulator times, not user input); ValueError when it is not one."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _zoned(text: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise TimeInputError(f"{text!r} is not an ISO 8601 date or time; {EXAMPLES}") from None
    if moment.tzinfo is None:
        raise TimeInputError(f"{text!r} has no zone: add Z for UTC or an offset; {EXAMPLES}")
    return moment


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _ns(moment: datetime) -> int:
    """Exact integer ns (no float timestamp): whole seconds since the epoch plus microseconds."""
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    ns = (delta.days * 86_400 + delta.seconds) * NS + delta.microseconds * 1000
    if ns < 0:
        raise TimeInputError(f"{moment.isoformat()} is before 1970-01-01T00:00:00Z; {EXAMPLES}")
    return ns
