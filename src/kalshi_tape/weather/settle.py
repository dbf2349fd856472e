"""Settlement checks: did every market resolve as its rule says, given the climate report?

For each settled event of a series in a date range: the station named by the rules, the
report used for the climate day (final `cli`, else final `iem_cli`, else the preliminary;
its issuance and whether it is a correction), the value it settles on (the maximum, or the
minimum for a daily-low series), the bracket by the rule text ("greater than 96°", "between
86-87°", "less than 89°"; the strikes when the text does not say), each market's result and
a verdict with its reason (`weather.verdict.judge`): agrees, disagrees, or unknown when the
report is missing or preliminary or the market is not settled.
Markets come from the warehouse (`ktape backfill`, or `settle-check --fetch-markets`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from kalshi_tape.core.domain import Market
from kalshi_tape.core.errors import ParseError
from kalshi_tape.parse import parse_market
from kalshi_tape.parse.tickers import event_date
from kalshi_tape.reference.brackets import Bracket, bracket_of, series_of, settled_extreme
from kalshi_tape.reference.stations import settles_on_minimum
from kalshi_tape.storage import Store
from kalshi_tape.weather.climate_report import is_correction
from kalshi_tape.weather.sites import SITES, Site, site_for
from kalshi_tape.weather.store import load_daily_climate
from kalshi_tape.weather.verdict import DISAGREES, UNKNOWN, ReportUsed, judge

_GREATER = re.compile(r"(?:greater than|above) (-?\d+)°")
_LESS = re.compile(r"(?:less than|below) (-?\d+)°")
_BETWEEN = re.compile(r"between (-?\d+)°?\s*(?:-|to|and)\s*(-?\d+)°")
_CLI_CODE = re.compile(r"\((CLI[A-Z]{3})\)")
CLI_SOURCES = ("cli", "iem_cli")


@dataclass(frozen=True, slots=True)
class MarketCheck:
    ticker: str
    bracket: Bracket
    result: str  # yes | no | "" (not settled)
    expected: str | None  # what the report implies; None when there is no report
    rule_matches_strikes: bool
    verdict: str = UNKNOWN  # agrees | disagrees | unknown
    reason: str = ""

    @property
    def agrees(self) -> bool:
        return self.verdict != DISAGREES


@dataclass(frozen=True, slots=True)
class EventCheck:
    event_ticker: str
    climate_date: date
    station: str
    report: ReportUsed | None
    markets: tuple[MarketCheck, ...]

    @property
    def cli_high(self) -> int | None:
        """The settling value (the minimum for a daily-low series), None without a report."""
        return None if self.report is None else self.report.value_f

    @property
    def cli_final(self) -> bool:
        return self.report is not None and self.report.is_final

    @property
    def cli_source(self) -> str | None:
        return None if self.report is None else self.report.source

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
    def markets(self) -> list[tuple[EventCheck, MarketCheck]]:
        return [(e, m) for e in self.events for m in e.markets]

    @property
    def disagreements(self) -> list[tuple[EventCheck, MarketCheck]]:
        return [(e, m) for e in self.events for m in e.disagreements]

    @property
    def preliminary(self) -> list[EventCheck]:
        return [e for e in self.events if e.report is not None and not e.report.is_final]

    @property
    def missing(self) -> list[EventCheck]:
        return [e for e in self.events if e.report is None]

    def count(self, verdict: str) -> int:
        return sum(1 for _, m in self.markets if m.verdict == verdict)


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
    """Markets of `series` whose climate date is in [start, end], from the warehouse, if at
    least one market of their event is settled (the others are then "not settled")."""
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
        if day is not None and start <= day <= end:
            markets.append(market)
    settled = {m.event_ticker for m in markets if m.result in ("yes", "no")}
    return [m for m in markets if m.event_ticker in settled]


def check_settlements(store: Store, series: str, start: date, end: date) -> SettleReport:
    """Check every settled market of `series` with climate date in [start, end]."""
    by_event: dict[str, list[Market]] = {}
    for market in settled_markets(store, series, start, end):
        by_event.setdefault(market.event_ticker, []).append(market)
    report = SettleReport()
    for event_ticker in sorted(by_event, key=lambda t: (event_date(t) or date.min, t)):
        markets = by_event[event_ticker]
        day = _climate_date(event_ticker)
        site = rule_site(markets[0])
        used = climate_report_used(store, site, day, _column(event_ticker))
        report.events.append(check_event(event_ticker, site.icao, used, markets))
    return report


def check_event(
    event_ticker: str, station: str, used: ReportUsed | None, markets: list[Market]
) -> EventCheck:
    """Every market of one event against the report used (pure: no store)."""
    day = _climate_date(event_ticker)
    checks = []
    for market in markets:
        bracket, same = rule_bracket(market)
        result = str(market.result or "")
        try:  # the rule text must name the extreme the series settles on
            extreme = "low" if settled_extreme(market) == "minimum" else "high"
        except ParseError as exc:
            reason = f"the rules and the series disagree: {exc}"
            checks.append(MarketCheck(market.ticker, bracket, result, None, same, UNKNOWN, reason))
            continue
        v = judge(bracket, result, used, station=station, day=day, extreme=extreme)
        checks.append(
            MarketCheck(market.ticker, bracket, result, v.expected, same, v.verdict, v.reason)
        )
    return EventCheck(event_ticker, day, station, used, tuple(checks))


def _climate_date(event_ticker: str) -> date:
    day = event_date(event_ticker)
    if day is None:
        raise ParseError("event_ticker", "no climate date", event_ticker)
    return day


def _column(event_ticker: str) -> str:
    return "min_temp_f" if settles_on_minimum(series_of(event_ticker)) else "max_temp_f"


def climate_report_used(
    store: Store, site: Site, day: date, column: str = "max_temp_f"
) -> ReportUsed | None:
    """The report that settles a climate day's maximum (or `column="min_temp_f"`, the minimum,
    for daily-low series): a final report first, then by source order (`cli`, `iem_cli`)."""
    table = load_daily_climate(store, site.icao, day, day)
    rows = [
        (str(s), bool(f), int(v), at, text)
        for s, f, v, at, text in zip(
            table.column("source").to_pylist(),
            table.column("is_final").to_pylist(),
            table.column(column).to_pylist(),
            table.column("issued_at").to_pylist(),
            table.column("raw_text").to_pylist(),
            strict=True,
        )
        if v is not None and s in CLI_SOURCES
    ]
    if not rows:
        return None
    source, final, value, issued_at, text = min(
        rows, key=lambda r: (not r[1], CLI_SOURCES.index(r[0]))
    )
    correction = source == "cli" and bool(text) and is_correction(str(text))
    return ReportUsed(source, value, final, correction, _utc(issued_at))


def _utc(at: datetime | None) -> datetime | None:
    if at is None or at.tzinfo is not None:
        return at
    return at.replace(tzinfo=UTC)


def cli_high(
    store: Store, site: Site, day: date, column: str = "max_temp_f"
) -> tuple[int | None, bool, str | None]:
    """(value °F, is final, source) of `climate_report_used`; (None, False, None) without."""
    used = climate_report_used(store, site, day, column)
    if used is None:
        return None, False, None
    return used.value_f, used.is_final, used.source


def market_rows(report: SettleReport) -> list[dict[str, object]]:
    """One JSON-ready record per market checked (for `settle-check --json`)."""
    rows: list[dict[str, object]] = []
    for event, market in report.markets:
        used = event.report
        rows.append(
            {
                "event_ticker": event.event_ticker,
                "ticker": market.ticker,
                "climate_date": event.climate_date.isoformat(),
                "station": event.station,
                "report": None if used is None else _report_json(used),
                "value_f": event.cli_high,
                "bracket": market.bracket.describe(),
                "implied": market.expected,
                "result": market.result or None,
                "verdict": market.verdict,
                "reason": market.reason,
                "rule_matches_strikes": market.rule_matches_strikes,
            }
        )
    return rows


def _report_json(used: ReportUsed) -> dict[str, object]:
    return {
        "source": used.source,
        "issued_at": None if used.issued_at is None else used.issued_at.isoformat(),
        "is_final": used.is_final,
        "is_correction": used.is_correction,
    }
