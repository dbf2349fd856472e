"""Kalshi ticker codes: the one month table and the one event-ticker date parser.

An event ticker ends in its (climate) date as YYMONDD: `KXHIGHNY-26JUN02` is 2026-06-02;
its markets add a bracket (`KXHIGHNY-26JUN02-B85.5`).
"""

from __future__ import annotations

import re
from datetime import date

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DATE_CODE = re.compile(r"-(\d{2})([A-Z]{3})(\d{2})(?=$|-)")


def event_date(ticker: str) -> date | None:
    """The date in an event or market ticker (`KXHIGHNY-26JUN02[-B85.5]`), or None when it
    holds no valid YYMONDD code (an unknown month, 26FEB30, ...)."""
    match = _DATE_CODE.search(ticker)
    if match is None or match.group(2) not in MONTHS:
        return None
    try:
        return date(
            2000 + int(match.group(1)), MONTHS.index(match.group(2)) + 1, int(match.group(3))
        )
    except ValueError:
        return None


def date_code(day: date) -> str:
    """`date(2026, 6, 2)` -> `26JUN02`, the code event tickers end in."""
    return f"{day:%y}{MONTHS[day.month - 1]}{day.day:02d}"
