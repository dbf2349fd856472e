"""IEM ASOS 1-minute CSV (`/cgi-bin/request/asos1min.py`): a pure parser.

Header `station,station_name,valid(UTC),tmpf,dwpf` (the `valid(...)` label names the zone
asked for), rows `NYC,NEW YORK CITY,2026-07-01 05:00,75,60`; missing values `M`;
temperatures whole °F. The data is NCEI's 1-minute archive, published about a day late.
A body that does not end with a newline, or a row with the wrong number of fields, is a
truncated download: ParseError, nothing returned.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kalshi_tape.core.errors import ParseError
from kalshi_tape.weather.payload import text_of

WHAT = "asos1min"


@dataclass(frozen=True, slots=True)
class MinuteObservation:
    station: str  # IEM id, e.g. NYC
    observed_at: datetime  # UTC
    temperature_f: Decimal | None
    dewpoint_f: Decimal | None
    raw: str  # the CSV row


def parse_asos1min(body: bytes) -> list[MinuteObservation]:
    """All rows of one response; ParseError on a truncated or malformed body."""
    text = text_of(body, WHAT)
    if not text.strip():
        return []
    if not text.endswith("\n"):
        raise ParseError(WHAT, "truncated: the body does not end with a complete row")
    lines = text.splitlines()
    header = lines[0].split(",")
    zone, columns = _header(header)
    out = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split(",") if '"' not in line else next(csv.reader(io.StringIO(line)))
        if len(fields) != len(header):
            raise ParseError(f"{WHAT}.line{number}", f"expected {len(header)} fields", line)
        out.append(_row(number, fields, columns, zone, line))
    return out


def _header(header: list[str]) -> tuple[tzinfo, dict[str, int]]:
    columns = {name: i for i, name in enumerate(header)}
    valid = next((h for h in header if h.startswith("valid(") and h.endswith(")")), None)
    if "station" not in columns or valid is None or "tmpf" not in columns:
        raise ParseError(f"{WHAT}.header", "expected station,...,valid(<zone>),tmpf", header)
    columns["valid"] = columns[valid]
    label = valid[len("valid(") : -1]
    try:
        zone: tzinfo = UTC if label.upper() == "UTC" else ZoneInfo(label)
    except (ZoneInfoNotFoundError, ValueError):
        raise ParseError(f"{WHAT}.header", "unknown time zone", label) from None
    return zone, columns


def _row(
    number: int, fields: list[str], columns: dict[str, int], zone: tzinfo, line: str
) -> MinuteObservation:
    where = f"{WHAT}.line{number}"
    dew = columns.get("dwpf")
    return MinuteObservation(
        station=fields[columns["station"]],
        observed_at=_valid(where, fields[columns["valid"]], zone),
        temperature_f=_temp(f"{where}.tmpf", fields[columns["tmpf"]]),
        dewpoint_f=None if dew is None else _temp(f"{where}.dwpf", fields[dew]),
        raw=line,
    )


def _valid(where: str, text: str, zone: tzinfo) -> datetime:
    """`YYYY-MM-DD HH:MM` in `zone` -> UTC (sliced: strptime is the slow part)."""
    try:
        if len(text) != 16 or text[4] != "-" or text[7] != "-" or text[10] != " ":
            raise ValueError(text)
        local = datetime(
            int(text[:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), int(text[14:16])
        )
    except ValueError:
        raise ParseError(f"{where}.valid", "not YYYY-MM-DD HH:MM", text) from None
    return local.replace(tzinfo=UTC) if zone is UTC else local.replace(tzinfo=zone).astimezone(UTC)


@functools.lru_cache(maxsize=1024)
def _decimal(text: str) -> Decimal:
    return Decimal(text)


def _temp(path: str, text: str) -> Decimal | None:
    if text in ("M", "", "null"):
        return None
    try:
        value = _decimal(text)
    except InvalidOperation:
        raise ParseError(path, "not a temperature", text) from None
    if not value.is_finite() or abs(value) > 200:
        raise ParseError(path, "out of range", text)
    return value
