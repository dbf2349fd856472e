"""The NWS Daily Climate Report (CLI) text product: a pure parser of its TEMPERATURE section.

One product may hold several stations (CLIHOU: Intercontinental and Hobby); each starts
with the headline `...THE <NAME> CLIMATE SUMMARY FOR <DATE>...`. Only the MAXIMUM and
MINIMUM lines inside `TEMPERATURE (F)` are read (a later "MAXIMUM TEMPERATURE (F)" line in
the normals block is a trap). Values: `R 95` record, `57 E`/`57(E)` estimated, `MM`
missing, `-5` negative; times `301 PM`, `6:27 PM` (local standard time). A report "VALID
TODAY AS OF ..." (or for "TODAY") is a same-day preliminary; corrections say so in the
WMO header (`CCA`), the title or the headline. Written from the layout in weather.md §2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from kalshi_tape.core.errors import ParseError
from kalshi_tape.parse.tickers import MONTHS

# Offsets of the zone abbreviations NWS offices print in the issuance line.
ZONE_OFFSETS = {
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "SST": -11, "CHST": 10, "UTC": 0, "GMT": 0,
}  # fmt: skip
# The zone's standard time: the climate day runs midnight to midnight LST all year.
STANDARD_OFFSETS = {
    "EST": -5, "EDT": -5, "CST": -6, "CDT": -6, "MST": -7, "MDT": -7, "PST": -8, "PDT": -8,
    "AKST": -9, "AKDT": -9, "HST": -10, "SST": -11, "CHST": 10,
}  # fmt: skip

_HEADLINE = re.compile(
    r"\.\.\.THE ([A-Z0-9_\.\-\(\)/,'&\s]+?) CLIMATE SUMMARY (?:FOR|FROM)\s+"
    r"([A-Z]+)\.?\s+([0-9]{1,2}),?\s+([0-9]{4})( CORRECTION)?\.\.\."
)
_ISSUED = re.compile(
    r"^\s*(\d{1,2})(\d{2}) ([AP]M) ([A-Z]{3,4}) [A-Z]{3} ([A-Z]{3}) (\d{1,2}) (\d{4})\s*$", re.M
)
_WMO = re.compile(r"^\s*([A-Z]{4}\d{2}) ([A-Z]{4}) (\d{6})(?: ([A-Z]{3}))?\s*$", re.M)
_PIL = re.compile(r"^\s*(CLI[A-Z0-9]{3})\s*$", re.M)
_ANY_PIL = re.compile(r"^\s*([A-Z][A-Z0-9]{3,5})\s*$", re.M)  # the AWIPS id line: CLINYC, CF6DSM
_EXTREME = re.compile(
    r"^\s*(MAXIMUM|MINIMUM)\s+(R\s*)?(-?\d+|MM|M)(R)?\s*(\(E\)|E\b)?\s*"
    r"(\d{1,2}:?\d{2}\s*[AP]M|MM)?",
)
# "TEMPERATURE (F)", "TEMPERATURE(F)" (Pacific) or a bare "TEMPERATURE" (Alaska).
_TEMPERATURE_HEADER = re.compile(r"^\s*TEMPERATURE\s*(?:\(F\))?\s*$")


@dataclass(frozen=True, slots=True)
class Extreme:
    """A daily maximum or minimum the CLI states (°F, time in local standard time)."""

    value_f: int
    at_lst: time | None
    estimated: bool
    record: bool


@dataclass(frozen=True, slots=True)
class ClimateReport:
    """One station's section of a CLI product."""

    station_name: str  # as in the headline, e.g. "CENTRAL PARK NY"
    climate_date: date
    maximum: Extreme | None  # None: not stated (min-only report) or reported missing (MM)
    minimum: Extreme | None
    is_final: bool  # False for a same-day preliminary ("VALID TODAY AS OF ...")
    is_correction: bool
    issued_at: datetime | None  # UTC
    pil: str | None  # e.g. CLINYC
    text: str  # the whole product, normalised line endings

    @property
    def max_f(self) -> int | None:
        return None if self.maximum is None else self.maximum.value_f

    @property
    def min_f(self) -> int | None:
        return None if self.minimum is None else self.minimum.value_f


def normalize(text: str) -> str:
    """NOAAPort framing off: `\\x01`/`\\x03` removed, `\\r\\r\\n` and `\\r\\n` -> `\\n`."""
    return text.replace("\x01", "").replace("\x03", "").replace("\r", "")


def split_products(archive: str) -> list[str]:
    """IEM's text archive (retrieve.py fmt=text) wraps each product in \\x01 ... \\x03;
    framing that is not closed means a truncated download (ParseError)."""
    framed = archive.rstrip()
    if framed and (archive.count("\x01") != archive.count("\x03") or not framed.endswith("\x03")):
        raise ParseError("cli_text", "truncated: a product is not closed", archive[-40:])
    chunks = archive.replace("\x03", "\x01").split("\x01")
    return [normalize(c).strip("\n") for c in chunks if "CLIMATE SUMMARY" in c]


def parse_cli_product(text: str, names: tuple[str, ...] = ()) -> list[ClimateReport]:
    """Every station section of one CLI product; ParseError when one cannot be read.

    `names`: read only the sections whose headline holds one of these words (every section
    when none does), so a broken section of another station does not lose ours."""
    body = normalize(text)
    heads = list(_HEADLINE.finditer(body))
    if not heads:
        raise ParseError("cli", _not_a_daily_report(body), body[:80])
    issued_at = _issued_at(body)
    correction = is_correction(body)
    pil_match = _PIL.search(body[: heads[0].start()])
    ends = [h.start() for h in heads[1:]] + [len(body)]
    wanted = [i for i, h in enumerate(heads) if any(n in h.group(1) for n in names)]
    reports = []
    for i, head in enumerate(heads):
        if wanted and i not in wanted:
            continue
        end = ends[i]
        section = body[head.start() : end]
        name = " ".join(head.group(1).split())
        day = _headline_date(head)
        maximum, minimum = _temperatures(section, name)
        reports.append(
            ClimateReport(
                station_name=name,
                climate_date=day,
                maximum=maximum,
                minimum=minimum,
                is_final=_is_final(section) and not _issued_within(body, day),
                is_correction=correction or bool(head.group(5)),
                issued_at=issued_at,
                pil=pil_match.group(1) if pil_match else None,
                text=body,
            )
        )
    return reports


def _not_a_daily_report(body: str) -> str:
    """Why a product without a daily headline is refused (a month summary says so)."""
    pil = _ANY_PIL.search(body[:300])
    if "CLIMATE SUMMARY FOR THE MONTH" in body or (pil and pil.group(1).startswith("CLM")):
        return "a monthly climate summary (CLM), not a daily climate report (CLI)"
    if pil and not pil.group(1).startswith("CLI"):
        return f"product {pil.group(1)} is not a daily climate report (CLI)"
    return "no '...THE <station> CLIMATE SUMMARY FOR <date>...' headline"


def _headline_date(head: re.Match[str]) -> date:
    month_text, day_text, year_text = head.group(2), head.group(3), head.group(4)
    try:
        month = MONTHS.index(month_text[:3]) + 1
        return date(int(year_text), month, int(day_text))
    except ValueError:
        raise ParseError("cli.headline", "not a date", head.group(0)) from None


def _temperatures(section: str, name: str) -> tuple[Extreme | None, Extreme | None]:
    lines = section.split("\n")
    try:
        start = next(i for i, ln in enumerate(lines) if _TEMPERATURE_HEADER.match(ln))
    except StopIteration:
        raise ParseError(f"cli.{name}", "no TEMPERATURE section") from None
    found: dict[str, Extreme | None] = {}
    for line in lines[start + 1 :]:
        stripped = line.strip()
        if stripped.startswith(("PRECIPITATION", "SNOWFALL", "DEGREE DAYS")):
            break
        match = _EXTREME.match(line)
        if match and match.group(1) not in found:
            found[match.group(1)] = _extreme(match)
    if not found:
        raise ParseError(f"cli.{name}", "neither a MAXIMUM nor a MINIMUM line under TEMPERATURE")
    # a min-only (or max-only) report states one extreme; the other is None, not an error
    return found.get("MAXIMUM"), found.get("MINIMUM")


def _extreme(match: re.Match[str]) -> Extreme | None:
    raw_value = match.group(3)
    if raw_value in ("MM", "M"):
        return None
    return Extreme(
        value_f=int(raw_value),
        at_lst=parse_clock(match.group(6)),
        estimated=bool(match.group(5)),
        record=bool(match.group(2) or match.group(4)),
    )


def parse_clock(text: str | None) -> time | None:
    """`301 PM`, `1204 PM`, `6:27 PM`, `627 PM` -> time; `MM`/blank -> None."""
    if not text or text.strip() in ("MM", "M", ""):
        return None
    match = re.fullmatch(r"\s*(\d{1,2}):?(\d{2})\s*([AP]M)\s*", text)
    if match is None:
        raise ParseError("cli.time", "not a clock time like '301 PM'", text)
    hour, minute = int(match.group(1)), int(match.group(2))
    if not (1 <= hour <= 12 and minute < 60):
        raise ParseError("cli.time", "hour or minute out of range", text)
    return time(hour % 12 + (12 if match.group(3) == "PM" else 0), minute)


def _issued_at(body: str) -> datetime | None:
    match = _ISSUED.search(body)
    if match is None:
        return None
    hour, minute, half, zone, month, day, year = match.groups()
    if zone not in ZONE_OFFSETS or month not in MONTHS:
        return None
    try:
        local = datetime(
            int(year),
            MONTHS.index(month) + 1,
            int(day),
            int(hour) % 12 + (12 if half == "PM" else 0),
            int(minute),
            tzinfo=timezone(timedelta(hours=ZONE_OFFSETS[zone])),
        )
    except ValueError:
        return None  # an impossible issuance line; the report itself may still be read
    return local.astimezone(UTC)


def is_correction(body: str) -> bool:
    """A correction: `CCA`.. in the WMO header, or "(CORRECTION)"/"CORRECTED" near the top."""
    wmo = _WMO.search(body[:200])
    if wmo and wmo.group(4) and wmo.group(4).startswith("CC"):
        return True
    head = body[:600]
    return "(CORRECTION)" in head or "CORRECTED" in head


def _issued_within(body: str, day: date) -> bool:
    """Issued before the climate day ended (midnight LST): a preliminary, whatever the text
    says. False when the issuance line or its zone cannot be read."""
    match = _ISSUED.search(body)
    issued = _issued_at(body)
    if match is None or issued is None or match.group(4) not in STANDARD_OFFSETS:
        return False
    standard = timezone(timedelta(hours=STANDARD_OFFSETS[match.group(4)]))
    return issued.astimezone(standard).date() <= day


def _is_final(section: str) -> bool:
    """Preliminary: "VALID TODAY AS OF" a time, or a TEMPERATURE block for "TODAY"."""
    if "VALID TODAY AS OF" in section or "VALID AS OF" in section:
        return False
    header = next((m for m in re.finditer(r"^\s*TEMPERATURE.*$", section, re.M)), None)
    temp_block = section[header.end() :][:200] if header else ""
    return not re.search(r"^\s*TODAY\s*$", temp_block, re.M)
