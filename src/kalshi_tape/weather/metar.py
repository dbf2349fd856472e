"""METAR reports: the T-group and the 6-/24-hour extremes, back to whole °F; pure parsers of
IEM's METAR archive CSV and the Aviation Weather Center JSON.

The `metar` package (python-metar) reads each report: station, time, body and T-group
temperature, and the 1snTTT / 2snTTT / 4snTTTsnTTT groups. Where it does not serve:
* it returns floats; we quantize them back to the tenths of °C that were reported;
* it does not say whether `temp` came from the T-group (tenths) or the body (whole °C),
  which decides whether whole °F is recoverable; we look for the T-group ourselves;
* it needs month and year (a METAR says only DDHHMMZ); we pass the archive timestamp;
* it does not split bulletins (`split_bulletin`) and, non-strict, accepts garbage
  ("QQQQ 081354Z="), which yields no temperature and is skipped.

ASOS measures whole °F and reports tenths of °C; F = floor(C x 9/5 + 32 + 0.5) recovers
the measured value exactly. A body-only temperature (whole °C) is kept as its exact
conversion (22 °C -> 71.6 °F), not rounded, and marked by the missing T-group.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import msgspec
from metar import Metar

from kalshi_tape.core.errors import ParseError
from kalshi_tape.weather.payload import decode_json, text_of

_T_GROUP = re.compile(r"\sT[01]\d{3}(?:[01]\d{3})?(?=\s|=|\$|$)")
_START = re.compile(r"^(?:METAR |SPECI )?[A-Z][A-Z0-9]{3} \d{6}Z")


@dataclass(frozen=True, slots=True)
class MetarReport:
    station: str  # ICAO, e.g. KNYC
    observed_at: datetime  # UTC
    temperature_f: Decimal | None  # whole °F from the T-group, else exact from whole °C
    dewpoint_f: Decimal | None
    from_t_group: bool
    max_6h_f: Decimal | None
    min_6h_f: Decimal | None
    max_24h_f: Decimal | None
    min_24h_f: Decimal | None
    raw: str


def c_tenths_to_whole_f(celsius: Decimal) -> Decimal:
    """Tenths of °C (as an ASOS reports a whole-°F reading) -> that whole °F."""
    return Decimal(math.floor(celsius * 9 / 5 + 32 + Decimal("0.5")))


def c_to_f_exact(celsius: Decimal) -> Decimal:
    return (celsius * 9 / 5 + 32).quantize(Decimal("0.01"))


def _celsius(temp: object) -> Decimal | None:
    if temp is None:
        return None
    value = temp.value("C")  # type: ignore[attr-defined]
    return Decimal(f"{value:.1f}")


def _whole_f(temp: object) -> Decimal | None:
    c = _celsius(temp)
    return None if c is None else c_tenths_to_whole_f(c)


def parse_metar(raw: str, observed_at: datetime) -> MetarReport | None:
    """One report (its time comes from the archive); None for garbage without a temperature."""
    code = " ".join(raw.replace("=", " ").split())
    try:
        report = Metar.Metar(code, month=observed_at.month, year=observed_at.year, strict=False)
    except Metar.ParserError as exc:
        raise ParseError("metar", f"unreadable report: {exc}", raw) from None
    if report.temp is None:
        return None
    t_group = bool(_T_GROUP.search(" " + code))
    temp_c = _celsius(report.temp)
    dew_c = _celsius(report.dewpt)
    assert temp_c is not None
    convert = c_tenths_to_whole_f if t_group else c_to_f_exact
    return MetarReport(
        station=str(report.station_id),
        observed_at=observed_at.astimezone(UTC),
        temperature_f=convert(temp_c),
        dewpoint_f=None if dew_c is None else convert(dew_c),
        from_t_group=t_group,
        max_6h_f=_whole_f(report.max_temp_6hr),
        min_6h_f=_whole_f(report.min_temp_6hr),
        max_24h_f=_whole_f(report.max_temp_24hr),
        min_24h_f=_whole_f(report.min_temp_24hr),
        raw=raw.strip(),
    )


def split_bulletin(text: str) -> list[str]:
    """A NOAAPort METAR collective -> one string per report (continuation lines joined)."""
    reports: list[str] = []
    current: list[str] | None = None
    for line in text.replace("\x01", "").replace("\x03", "").replace("\r", "").split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        if current is None:
            if not _START.match(stripped):
                continue  # bulletin header lines
            current = []
        current.append(stripped)
        if stripped.endswith("="):
            reports.append(" ".join(current)[:-1].strip())
            current = None
    if current:
        reports.append(" ".join(current))
    return reports


# --------------------------------------------------------------------------- IEM archive


def parse_iem_metar_csv(body: bytes) -> list[MetarReport]:
    """IEM `asos.py?data=metar&tz=UTC&format=onlycomma`: `station,valid,metar` rows."""
    text = text_of(body, "metar_iem")
    if not text.strip():
        return []
    if not text.endswith("\n"):
        raise ParseError("metar_iem", "truncated: the body does not end with a complete row")
    rows = list(csv.reader(io.StringIO(text)))
    if rows[0][:2] != ["station", "valid"] or "metar" not in rows[0]:
        raise ParseError("metar_iem.header", "expected station,valid,...,metar", rows[0])
    col = rows[0].index("metar")
    out = []
    for number, fields in enumerate(rows[1:], start=2):
        if not fields:
            continue
        if len(fields) != len(rows[0]):
            raise ParseError(f"metar_iem.line{number}", "wrong number of fields", fields)
        try:
            when = datetime.strptime(fields[1], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        except ValueError:
            raise ParseError(
                f"metar_iem.line{number}.valid", "not YYYY-MM-DD HH:MM", fields[1]
            ) from None
        if fields[col] in ("M", ""):
            continue
        report = parse_metar(fields[col], when)
        if report is not None:
            out.append(report)
    return out


# --------------------------------------------------------------------------- AWC JSON


class WAwcMetar(msgspec.Struct, frozen=True):
    icaoId: str  # wire names (camelCase) as AWC sends them
    obsTime: int
    rawOb: str
    temp: float | None = None
    dewp: float | None = None
    maxT: float | None = None
    minT: float | None = None
    maxT24: float | None = None
    minT24: float | None = None
    metarType: str | None = None


def parse_awc_json(body: bytes) -> list[MetarReport]:
    """AWC `/api/data/metar?format=json`: an array; each rawOb is re-read (weather.md §4)."""
    items: list[WAwcMetar] = decode_json(body, "metar_awc", list[WAwcMetar])
    out = []
    for i, item in enumerate(items):
        when = datetime.fromtimestamp(item.obsTime, UTC)
        report = parse_metar(item.rawOb, when)
        if report is None:
            continue
        if item.temp is not None and report.from_t_group:
            stated = c_tenths_to_whole_f(Decimal(f"{item.temp:.1f}"))
            if stated != report.temperature_f:
                raise ParseError(f"metar_awc[{i}].temp", "disagrees with its rawOb", item.temp)
        out.append(report)
    return out
