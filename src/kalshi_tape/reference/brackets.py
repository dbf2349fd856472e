"""Weather bracket markets as data: the interval a market pays on, and `pays(value)`.

Kalshi's daily-high markets settle on an integer temperature v (weather.md §1.4):
  between:  floor <= v <= cap   (both ends inclusive, e.g. B79.5 = 79..80)
  greater:  v > floor           (strict; "81° or above" for floor 80)
  less:     v < cap             (strict; "72° or below" for cap 73)
plus the `_or_equal` variants. The market's strike_type decides; a `-T` ticker alone
does not say whether a tail is high or low. Daily-low markets (KXLOWT*) use the same
grammar on the day's minimum; `settled_extreme` reads which extreme from the rule text
("highest"/"maximum" vs "lowest"/"minimum temperature").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kalshi_tape.core.domain import Market
from kalshi_tape.core.errors import ParseError
from kalshi_tape.reference.stations import Station, settles_on_minimum, station_for

Extreme = Literal["maximum", "minimum"]
_RULE_EXTREME = re.compile(r"\b(highest|maximum|lowest|minimum) temperature\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Bracket:
    """The set of settlement values for which a market resolves YES."""

    ticker: str
    strike_type: str
    low: Decimal | None  # None: unbounded below
    high: Decimal | None  # None: unbounded above
    low_inclusive: bool
    high_inclusive: bool

    def pays(self, value: Decimal | int) -> bool:
        v = Decimal(value)
        if self.low is not None and (v < self.low or (v == self.low and not self.low_inclusive)):
            return False
        return not (
            self.high is not None
            and (v > self.high or (v == self.high and not self.high_inclusive))
        )

    def describe(self) -> str:
        lo = "-inf" if self.low is None else str(self.low)
        hi = "+inf" if self.high is None else str(self.high)
        return (
            f"{'[' if self.low_inclusive else '('}{lo}, {hi}{']' if self.high_inclusive else ')'}"
        )


def bracket_of(market: Market) -> Bracket:
    """The payoff interval of a market, from its strike_type and strikes."""
    kind, floor, cap = market.strike_type, market.floor_strike, market.cap_strike
    where = f"market {market.ticker}"
    if kind == "between":
        _need(where, "floor_strike", floor)
        _need(where, "cap_strike", cap)
        return Bracket(market.ticker, kind, floor, cap, True, True)
    if kind in ("greater", "greater_or_equal"):
        _need(where, "floor_strike", floor)
        return Bracket(market.ticker, kind, floor, None, kind == "greater_or_equal", False)
    if kind in ("less", "less_or_equal"):
        _need(where, "cap_strike", cap)
        return Bracket(market.ticker, kind, None, cap, False, kind == "less_or_equal")
    raise ParseError(f"{where}.strike_type", "not a bracket strike type", kind)


def _need(where: str, name: str, value: Decimal | None) -> None:
    if value is None:
        raise ParseError(f"{where}.{name}", "missing for this strike_type")


def series_of(event_or_market_ticker: str) -> str:
    """`KXHIGHNY-26JUN02-B79.5` -> `KXHIGHNY`."""
    return event_or_market_ticker.split("-", 1)[0]


def station_of(market: Market) -> Station | None:
    """The settlement station (city, climate-day offset) of a market's series, if known."""
    return station_for(series_of(market.event_ticker))


def settled_extreme(market: Market) -> Extreme:
    """Which CLI extreme the market settles on, by its rule text, checked against the series
    registry (a low series must say minimum, a high series maximum); raises ParseError when
    they disagree, or when the text names neither and the series is unknown."""
    where = f"market {market.ticker}.rules_primary"
    series = series_of(market.event_ticker)
    found = _RULE_EXTREME.search(market.rules_primary)
    by_series: Extreme | None = None
    if station_for(series) is not None:
        by_series = "minimum" if settles_on_minimum(series) else "maximum"
    if found is None:
        if by_series is None:
            raise ParseError(where, "names neither a maximum nor a minimum temperature")
        return by_series
    by_text: Extreme = "maximum" if found[1].lower() in ("highest", "maximum") else "minimum"
    if by_series is not None and by_text != by_series:
        raise ParseError(where, f"says {by_text} but series {series} settles on {by_series}")
    return by_text
