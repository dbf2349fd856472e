"""Settlement checks: did every settled market resolve as its rule says, given the CLI high?

For each settled event of a series in a date range: the station named by the rules, the
CLI high of the climate day (final `cli`, else final `iem_cli`, else the preliminary),
the bracket that should win by the rule text ("greater than 96°", "between 86-87°",
"less than 89°"; the strikes when the text does not say), and each market's result.
Every disagreement is listed, and every event whose CLI is still preliminary (listed, not
judged: the final may move it) or missing.
Markets come from the warehouse (`ktape backfill`, or `settle-check --fetch-markets`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from kalshi_tape.brackets import Bracket, bracket_of, series_of
from kalshi_tape.domain import Market
from kalshi_tape.errors import ParseError
from kalshi_tape.parse import parse_market
from kalshi_tape.parse.tickers import event_date
from kalshi_tape.stations import settles_on_minimum
from kalshi_tape.storage import Store
from kalshi_tape.weather.sites import SITES, Site, site_for
from kalshi_tape.weather.store import load_daily_climate

_GREATER = re.compile(r"(?:greater than|above) (-?\d+)°")
_LESS = re.compile(r"(?:less than|below) (-?\d+)°")
_BETWEEN = re.compile(r"between (-?\d+)°?\s*(?:-|to|and)\s*(-?\d+)°")
_CLI_CODE = re.compile(r"\((CLI[A-Z]{3})\)")
CLI_SOURCES = ("cli", "iem_cli")


@dataclass(frozen=True, slots=True)
class MarketCheck:
    ticker: str
    bracket: Bracket
    result: str  # yes | no
    expected: str | None  # None when there is no CLI high
    rule_matches_strikes: bool

    @property
    def agrees(self) -> bool:
        return self.expected is None or self.expected == self.result


@dataclass(frozen=True, slots=True)
class EventCheck:
    event_ticker: str
    climate_date: date
    station: str
    cli_high: int | None
    cli_final: bool
    cli_source: str | None
    markets: tuple[MarketCheck, ...]

    @property
    def expected_winner(self) -> str | None:
        return next((m.ticker for m in self.markets if m.expected == "yes"), None)

    @property
    def actual_winners(self) -> tuple[str, ...]:
        return tuple(m.ticker for m in self.markets if m.result == "yes")

    @property
    def disagreements(self) -> tuple[MarketCheck, ...]:
        return tuple(m for m in self.markets if not m.agrees)


@dataclass(slots=True)
class SettleReport:
    events: list[EventCheck] = field(default_factory=list)

    @property
    def disagreements(self) -> list[tuple[EventCheck, MarketCheck]]:
        return [(e, m) for e in self.events for m in e.disagreements]

    @property
    def preliminary(self) -> list[EventCheck]:
        return [e for e in self.events if e.cli_high is not None and not e.cli_final]

    @property
    def missing(self) -> list[EventCheck]:
        return [e for e in self.events if e.cli_high is None]


def rule_bracket(market: Market) -> tuple[Bracket, bool]:
    """The YES interval by the rule text, and whether the strikes say the same."""
    strikes = bracket_of(market)
    text = market.rules_primary
    found: Bracket | None = None
    if m := _BETWEEN.search(text):
        found = Bracket(market.ticker, "between", Decimal(m[1]), Decimal(m[2]), True, True)
    elif m := _GREATER.search(text):
        found = Bracket(market.ticker, "greater", Decimal(m[1]), None, False, False)
    elif m := _LESS.search(text):
        found = Bracket(market.ticker, "less", None, Decimal(m[1]), False, False)
    if found is None:
        return strikes, True
    same = (found.low, found.high, found.low_inclusive, found.high_inclusive) == (
        strikes.low,
        strikes.high,
        strikes.low_inclusive,
        strikes.high_inclusive,
    )
    return found, same


def rule_site(market: Market) -> Site:
    """The station the rules name: "(CLINYC)", else the rule location, else the series."""
    if m := _CLI_CODE.search(market.rules_primary):
        return site_for(m[1])
    for site in SITES.values():
        if site.station.rule_location.lower() in market.rules_primary.lower():
            return site
    return site_for(series_of(market.event_ticker))


def settled_markets(store: Store, series: str, start: date, end: date) -> list[Market]:
    """Settled markets of `series` whose climate date is in [start, end], from the warehouse."""
    ph = store.placeholder
    found = store.sql(
        f"SELECT raw_json FROM markets WHERE event_ticker LIKE {ph} ORDER BY ticker",
        (f"{series.upper()}-%",),
    )
    markets = []
    for (raw,) in found:
        if raw is None:
            continue
        market = parse_market(b'{"market":' + str(raw).encode() + b"}")
        day = event_date(market.event_ticker)
        if day is not None and start <= day <= end and market.result in ("yes", "no"):
            markets.append(market)
    return markets


def check_settlements(store: Store, series: str, start: date, end: date) -> SettleReport:
    """Check every settled market of `series` with climate date in [start, end]."""
    by_event: dict[str, list[Market]] = {}
    for market in settled_markets(store, series, start, end):
        by_event.setdefault(market.event_ticker, []).append(market)
    report = SettleReport()
    for event_ticker in sorted(by_event, key=lambda t: (event_date(t) or date.min, t)):
        report.events.append(_check_event(store, event_ticker, by_event[event_ticker]))
    return report


def _check_event(store: Store, event_ticker: str, markets: list[Market]) -> EventCheck:
    day = event_date(event_ticker)
    if day is None:
        raise ParseError("event_ticker", "no climate date", event_ticker)
    site = rule_site(markets[0])
    column = "min_temp_f" if settles_on_minimum(series_of(event_ticker)) else "max_temp_f"
    high, final, source = cli_high(store, site, day, column)
    checks = []
    for market in markets:
        bracket, same = rule_bracket(market)
        # a preliminary high is listed, not judged: the final may still move it
        expected = None if high is None or not final else ("yes" if bracket.pays(high) else "no")
        checks.append(MarketCheck(market.ticker, bracket, str(market.result), expected, same))
    return EventCheck(event_ticker, day, site.icao, high, final, source, tuple(checks))


def cli_high(
    store: Store, site: Site, day: date, column: str = "max_temp_f"
) -> tuple[int | None, bool, str | None]:
    """(value °F, is final, source) of a climate day's maximum (or `column="min_temp_f"`, the
    minimum, for daily-low series): a final report first, by source order."""
    table = load_daily_climate(store, site.icao, day, day)
    rows = [
        (str(s), bool(f), v)
        for s, f, v in zip(
            table.column("source").to_pylist(),
            table.column("is_final").to_pylist(),
            table.column(column).to_pylist(),
            strict=True,
        )
        if v is not None and s in CLI_SOURCES
    ]
    rows.sort(key=lambda r: (not r[1], CLI_SOURCES.index(r[0])))
    if not rows:
        return None, False, None
    source, final, value = rows[0]
    return int(value), final, source
