"""IEM's parsed CLI JSON (`/json/cli.py?station=KNYC&year=2026`): a pure parser.

One row per (station, date): the *latest* issuance IEM has seen, so during the day it may
hold the afternoon preliminary. The product id starts with the UTC issue time
(`201301030616-KOKX-CDUS41-CLINYC`), which tells a same-day preliminary from the final.
Integers arrive as numbers; missing values as the string "M", trace precipitation "T".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import msgspec

from kalshi_tape.core.errors import ParseError
from kalshi_tape.weather.climate_report import parse_clock
from kalshi_tape.weather.payload import decode_json

Number = int | float | str | None


class WCliRow(msgspec.Struct, frozen=True):
    station: str
    valid: str
    high: Number = None
    low: Number = None
    high_time: str | None = None
    low_time: str | None = None
    product: str | None = None
    name: str | None = None


class WCliResponse(msgspec.Struct, frozen=True):
    results: list[WCliRow]
    generated_at: str | None = None


@dataclass(frozen=True, slots=True)
class IemCliDay:
    station: str  # as IEM names it: KNYC
    climate_date: date
    high_f: int | None
    low_f: int | None
    high_time: str | None  # LST, as given ("301 PM")
    product_id: str | None
    issued_at: datetime | None  # UTC, from the product id
    raw: str  # the row re-encoded as JSON


def parse_cli_json(body: bytes) -> list[IemCliDay]:
    """Every row of the response, oldest first; ParseError on anything unexpected."""
    response: WCliResponse = decode_json(body, "iem_cli", WCliResponse)
    days = [_day(i, row) for i, row in enumerate(response.results)]
    return sorted(days, key=lambda d: d.climate_date)


def _day(index: int, row: WCliRow) -> IemCliDay:
    where = f"iem_cli.results[{index}]"
    try:
        day = date.fromisoformat(row.valid)
    except ValueError:
        raise ParseError(f"{where}.valid", "not a YYYY-MM-DD date", row.valid) from None
    if row.high_time:
        parse_clock(row.high_time)  # validates the LST clock text
    return IemCliDay(
        station=row.station.upper(),
        climate_date=day,
        high_f=_whole(f"{where}.high", row.high),
        low_f=_whole(f"{where}.low", row.low),
        high_time=row.high_time or None,
        product_id=row.product,
        issued_at=product_time(row.product) if row.product else None,
        raw=msgspec.json.encode(row).decode(),
    )


def _whole(path: str, value: Number) -> int | None:
    if value is None or value in ("M", "MM", ""):
        return None
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise ParseError(path, "not a whole °F value", value) from None
    if isinstance(value, float) and not value.is_integer():
        raise ParseError(path, "not a whole °F value", value)
    return int(value)


def product_time(product_id: str) -> datetime:
    """`202508020618-KOKX-CDUS41-CLINYC` -> 2025-08-02 06:18 UTC."""
    stamp = product_id.split("-", 1)[0]
    try:
        return datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        raise ParseError("iem_cli.product", "no YYYYMMDDHHMM issue time", product_id) from None
