"""One market against one climate report: agrees, disagrees or unknown, with the reason.

Pure: no store, no clock. `settle.py` finds the report and the markets; the official-highs
test feeds the same function from fixtures. A market is judged only when it is settled
(result yes/no) and the report used is final; otherwise the verdict is "unknown" and the
reason says which of the two is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kalshi_tape.reference.brackets import Bracket

AGREES, DISAGREES, UNKNOWN = "agrees", "disagrees", "unknown"


@dataclass(frozen=True, slots=True)
class ReportUsed:
    """The climate report a verdict rests on: its source, issuance and the value read."""

    source: str  # cli (the text product) | iem_cli (IEM's parse of it) | a fixture name
    value_f: int  # the extreme the series settles on (maximum, or minimum for lows)
    is_final: bool
    is_correction: bool
    issued_at: datetime | None  # UTC

    def describe(self) -> str:
        kind = "final" if self.is_final else "preliminary"
        fix = ", correction" if self.is_correction else ""
        when = self.issued_at.strftime("%Y-%m-%d %H:%MZ") if self.issued_at else "time unknown"
        return f"{self.source} {kind}{fix}, issued {when}"


@dataclass(frozen=True, slots=True)
class Verdict:
    expected: str | None  # yes/no the report implies for this bracket; None without a value
    verdict: str  # agrees | disagrees | unknown
    reason: str


def judge(
    bracket: Bracket,
    result: str,
    report: ReportUsed | None,
    *,
    station: str,
    day: date,
    extreme: str = "high",
) -> Verdict:
    """The verdict of a market with payoff `bracket` and `result`, given `report`."""
    if report is None:
        return Verdict(None, UNKNOWN, f"no climate report stored for {station} {day}")
    inside = bracket.pays(report.value_f)
    expected = "yes" if inside else "no"
    where = f"{extreme} {report.value_f} {'in' if inside else 'outside'} {bracket.describe()}"
    if result not in ("yes", "no"):
        return Verdict(expected, UNKNOWN, f"market not settled ({where})")
    if not report.is_final:
        return Verdict(expected, UNKNOWN, f"report is preliminary ({where}, settled {result})")
    if expected == result:
        return Verdict(expected, AGREES, f"{where}, settled {result}")
    return Verdict(expected, DISAGREES, f"{where} implies {expected}, settled {result}")
