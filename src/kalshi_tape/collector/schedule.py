"""When to snapshot: periodic intervals (with local time-of-day overrides) and the spike rule.

Pure logic, no I/O: the collector asks `SnapshotPlanner.due(now_ns, quotes)` on every
tick and snapshots what it returns, all markets of one tick under one `received_ns`.

Spike rule: a market is due when its yes_bid, yes_ask or last_price differs by at least
the threshold from the values of *that market's last snapshot* (any trigger), and its
last spike snapshot is at least `cooldown` old. Because the comparison is with the last
snapshot, not the last message, moves that accumulate during a cooldown are caught as
soon as the cooldown ends (the market stays pending meanwhile).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from kalshi_tape.core.money import Price
from kalshi_tape.reference.stations import STATIONS
from kalshi_tape.settings.collector import IntervalOverride

NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Quote:
    yes_bid: Price | None
    yes_ask: Price | None
    last_price: Price | None

    def moved(self, other: Quote, threshold: Decimal) -> bool:
        for a, b in (
            (self.yes_bid, other.yes_bid),
            (self.yes_ask, other.yes_ask),
            (self.last_price, other.last_price),
        ):
            if a is None and b is None:
                continue
            if a is None or b is None or abs(a - b) >= threshold:
                return True
        return False


class SpikeRule:
    def __init__(self, threshold: Decimal, cooldown_s: float) -> None:
        self.threshold = threshold
        self.cooldown_ns = int(cooldown_s * NS)
        self._reference: dict[str, Quote] = {}
        self._last_spike: dict[str, int] = {}

    @property
    def enabled(self) -> bool:
        return self.threshold > 0

    def snapshotted(self, ticker: str, quote: Quote) -> None:
        """Any snapshot of the market becomes the reference for later moves."""
        self._reference[ticker] = quote

    def spiked(self, ticker: str, quote: Quote, now_ns: int) -> None:
        self._last_spike[ticker] = now_ns
        self._reference[ticker] = quote

    def moved(self, ticker: str, quote: Quote) -> bool:
        ref = self._reference.get(ticker)
        return self.enabled and ref is not None and quote.moved(ref, self.threshold)

    def cooling(self, ticker: str, now_ns: int) -> bool:
        last = self._last_spike.get(ticker)
        return last is not None and now_ns - last < self.cooldown_ns

    def forget(self, ticker: str) -> None:
        self._reference.pop(ticker, None)
        self._last_spike.pop(ticker, None)


def zone_of(ticker: str) -> tzinfo:
    """The local zone of a market's city (from its series prefix), else UTC."""
    station = STATIONS.get(ticker.split("-", 1)[0])
    return ZoneInfo(station.iana_zone) if station else UTC


class IntervalPlan:
    """The periodic interval of each market at a moment: the base interval, or the first
    override covering the moment in the market's local time."""

    def __init__(self, base_s: float, overrides: Iterable[IntervalOverride] = ()) -> None:
        self.base_s = base_s
        self.overrides = tuple(overrides)
        self._zones: dict[str, tzinfo] = {}

    def interval_s(self, ticker: str, now_ns: int) -> float:
        if not self.overrides:
            return self.base_s
        zone = self._zones.get(ticker)
        if zone is None:
            zone = self._zones[ticker] = zone_of(ticker)
        local = datetime.fromtimestamp(now_ns / NS, zone).time()
        for override in self.overrides:
            if override.covers(local):
                return override.interval_seconds
        return self.base_s


class SnapshotPlanner:
    def __init__(self, intervals: IntervalPlan, spikes: SpikeRule) -> None:
        self.intervals = intervals
        self.spikes = spikes
        self._slot: dict[str, int] = {}  # ticker -> interval slot of its last periodic snapshot
        self.pending: set[str] = set()  # markets that moved; spike due once cooled down

    def touch(self, ticker: str) -> None:
        """A message changed the market: judge it at the next tick."""
        if self.spikes.enabled:
            self.pending.add(ticker)

    def due(self, now_ns: int, quotes: Mapping[str, Quote]) -> tuple[list[str], list[str]]:
        """(markets due for a periodic snapshot, markets due for a spike snapshot) among
        `quotes` (the markets whose book is in sync now)."""
        periodic = []
        for ticker in quotes:
            slot = int(now_ns // int(self.intervals.interval_s(ticker, now_ns) * NS))
            if self._slot.get(ticker) != slot:
                periodic.append(ticker)
        spikes = []
        for ticker in list(self.pending):
            quote = quotes.get(ticker)
            if quote is None or not self.spikes.moved(ticker, quote):
                self.pending.discard(ticker)
            elif not self.spikes.cooling(ticker, now_ns) and ticker not in periodic:
                spikes.append(ticker)
        return periodic, spikes

    def taken(
        self,
        now_ns: int,
        periodic: Iterable[str],
        spikes: Iterable[str],
        quotes: Mapping[str, Quote],
    ) -> None:
        """Record the snapshots just taken."""
        for ticker in periodic:
            self._slot[ticker] = int(now_ns // int(self.intervals.interval_s(ticker, now_ns) * NS))
            self.spikes.snapshotted(ticker, quotes[ticker])
            self.pending.discard(ticker)
        for ticker in spikes:
            self.spikes.spiked(ticker, quotes[ticker], now_ns)
            self.pending.discard(ticker)

    def forget(self, ticker: str) -> None:
        self._slot.pop(ticker, None)
        self.pending.discard(ticker)
        self.spikes.forget(ticker)
