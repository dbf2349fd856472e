"""Visual Crossing Timeline API, sub-hourly (optional, needs a key): a pure parser.

Request (weather.md §7): `.../timeline/stn:KNYC/2026-07-01/2026-07-02?key=...&unitGroup=us
&include=minutes&options=useobs,minuteinterval_5,nonulls&timezone=Z&elements=datetimeEpoch,
temp,dew`. The issue asked for `aggregateMinutes=5`, which belongs to VC's legacy API
(retiring 2026-12-31); the Timeline API takes `options=minuteinterval_5`. Minutes sit under
days[].hours[].minutes[] with `datetimeEpoch` (Unix s) and `temp` in °F (unitGroup=us).
VC blends stations and forward-fills: a feature, never settlement truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import msgspec

from kalshi_tape.weather.payload import decode_json


class WMinute(msgspec.Struct, frozen=True):
    datetimeEpoch: int
    temp: float | None = None
    dew: float | None = None


class WHour(msgspec.Struct, frozen=True):
    datetimeEpoch: int
    temp: float | None = None
    dew: float | None = None
    minutes: list[WMinute] = []


class WDay(msgspec.Struct, frozen=True):
    datetime: str
    hours: list[WHour] = []


class WTimeline(msgspec.Struct, frozen=True):
    days: list[WDay]


@dataclass(frozen=True, slots=True)
class VcObservation:
    observed_at: datetime
    temperature_f: Decimal | None
    dewpoint_f: Decimal | None


def parse_timeline(body: bytes) -> list[VcObservation]:
    """Every minute (or hour, when a day has no minutes) in time order."""
    doc: WTimeline = decode_json(body, "visualcrossing", WTimeline)
    out: dict[int, VcObservation] = {}
    for day in doc.days:
        for hour in day.hours:
            points: list[WMinute | WHour] = list(hour.minutes) or [hour]
            for p in points:
                out[p.datetimeEpoch] = VcObservation(
                    datetime.fromtimestamp(p.datetimeEpoch, UTC), _dec(p.temp), _dec(p.dew)
                )
    return [out[k] for k in sorted(out)]


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))
