"""Which markets to collect: discovery over REST, lifecycle messages, shards.

`events:` are followed as given; a `series:` follows every open event of the series and
picks up each new event when the exchange announces it (`event_lifecycle` or a market's
`created`), while `determined` / `settled` markets are dropped. A periodic rediscovery
(`discovery_seconds`) repairs anything a lost lifecycle frame hid.

Sharding (`--shard I/N`): a market belongs to shard `crc32(event_ticker) % N`, so the
markets of one event stay in one process and N collectors on one PostgreSQL split the
work without overlap. In a fleet (`--fleet`) an `owner` callable decides instead (the
events this process holds a lease on); `candidates` and `known` keep what discovery found
for every member, so a change of leases re-assigns markets without a REST round.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kalshi_tape.client import KalshiClient
from kalshi_tape.core.domain import Event, Market, MarketLifecycle
from kalshi_tape.core.errors import KalshiError, NotFound
from kalshi_tape.settings.collector import Shard

log = logging.getLogger("kalshi_tape.collector.tracking")

LIVE_STATUSES = frozenset({"initialized", "unopened", "active", "open", "inactive", "paused"})
ENDED_LIFECYCLE = frozenset({"determined", "settled", "deactivated", "closed"})


def shard_of(event_ticker: str, count: int) -> int:
    return zlib.crc32(event_ticker.encode()) % count if count > 1 else 0


def event_of(ticker: str) -> str:
    """Kalshi's market tickers are EVENT-SUFFIX: the event is everything before the last dash."""
    return ticker.rsplit("-", 1)[0]


@dataclass(slots=True)
class Discovery:
    """What one discovery pass found."""

    events: list[Event] = field(default_factory=list)
    markets: list[Market] = field(default_factory=list)


class Tracker:
    def __init__(
        self,
        events: Iterable[str] = (),
        series: Iterable[str] = (),
        shard: Shard | None = None,
        *,
        owner: Callable[[str], bool] | None = None,
    ) -> None:
        self.events = tuple(events)
        self.series = tuple(series)
        self.shard = shard or Shard()
        self.owner = owner
        self.tickers: set[str] = set()
        self.market_event: dict[str, str] = {}
        self.candidates: set[str] = set()  # every followed event discovery found
        self.known: dict[str, Market] = {}  # their live markets, whoever collects them

    def mine(self, event_ticker: str) -> bool:
        if self.owner is not None:
            return self.owner(event_ticker)
        return shard_of(event_ticker, self.shard.count) == self.shard.index

    def reassign(self) -> tuple[set[str], set[str]]:
        """After the owner changed its mind: (added, removed) among the known markets."""
        removed = self.remove({t for t, e in self.market_event.items() if not self.mine(e)})
        return self.add(self.known.values()), removed

    def follows_unowned(self, event_ticker: str) -> bool:
        series = event_ticker.split("-", 1)[0]
        return event_ticker in self.events or series in self.series

    def follows(self, event_ticker: str, series_ticker: str | None = None) -> bool:
        series = series_ticker or event_ticker.split("-", 1)[0]
        return (event_ticker in self.events or series in self.series) and self.mine(event_ticker)

    async def discover(self, client: KalshiClient) -> Discovery:
        found = Discovery()
        for ticker in self.events:
            try:
                event = await client.get_event(ticker, with_nested_markets=True)
            except NotFound:
                log.warning("event %s not found", ticker)
                continue
            found.events.append(event)
        for series in self.series:
            async for event in client.iter_events(
                series_ticker=series, status="open", with_nested_markets=True
            ):
                found.events.append(event)
        self.candidates = {e.event_ticker for e in found.events}
        self.known = {
            m.ticker: m for e in found.events for m in e.markets if m.status in LIVE_STATUSES
        }
        found.events = [e for e in found.events if self.mine(e.event_ticker)]
        found.markets = [m for e in found.events for m in e.markets if m.status in LIVE_STATUSES]
        return found

    def update(self, markets: Iterable[Market]) -> tuple[set[str], set[str]]:
        """Replace the tracked set with `markets`; returns (added, removed)."""
        wanted = {m.ticker: m.event_ticker for m in markets if self.mine(m.event_ticker)}
        added = wanted.keys() - self.tickers
        removed = self.tickers - wanted.keys()
        self.tickers = set(wanted)
        self.market_event = wanted
        return set(added), removed

    def add(self, markets: Iterable[Market]) -> set[str]:
        added = set()
        for m in markets:
            fresh = m.status in LIVE_STATUSES and m.ticker not in self.tickers
            if fresh and self.follows(m.event_ticker):
                added.add(m.ticker)
                self.tickers.add(m.ticker)
                self.market_event[m.ticker] = m.event_ticker
        return added

    def remove(self, tickers: Iterable[str]) -> set[str]:
        gone = set(tickers) & self.tickers
        self.tickers -= gone
        for ticker in gone:
            self.market_event.pop(ticker, None)
        return gone

    async def ended(self, client: KalshiClient, found: Iterable[Market]) -> set[str]:
        """Drop tracked markets that discovery no longer lists and the exchange reports as
        no longer live (a lost lifecycle frame); returns them."""
        listed = {m.ticker for m in found if m.status in LIVE_STATUSES}
        missing = sorted(self.tickers - listed)
        ended = set()
        for i in range(0, len(missing), 100):
            page = await client.get_markets(tickers=missing[i : i + 100], limit=1000)
            ended |= {m.ticker for m in page.items if m.status not in LIVE_STATUSES}
        return self.end(ended)

    def end(self, tickers: Iterable[str]) -> set[str]:
        """Markets that ended: dropped, and forgotten so no re-assignment brings them back."""
        tickers = set(tickers)
        for ticker in tickers:
            self.known.pop(ticker, None)
        return self.remove(tickers)

    async def on_lifecycle(
        self, msg: MarketLifecycle, client: KalshiClient
    ) -> tuple[set[str], set[str], list[Market]]:
        """(added, removed, markets fetched) for one lifecycle message."""
        if msg.event_type in ENDED_LIFECYCLE or msg.is_deactivated:
            return set(), self.end([msg.market_ticker]), []
        if msg.event_type != "created" or msg.market_ticker in self.tickers:
            return set(), set(), []
        event = event_of(msg.market_ticker)
        if not self.follows_unowned(event) or (self.owner is None and not self.mine(event)):
            return set(), set(), []
        try:
            market = await client.get_market(msg.market_ticker)
        except KalshiError as exc:
            log.warning("cannot fetch new market %s: %s", msg.market_ticker, exc)
            return set(), set(), []
        self.known[market.ticker] = market  # a fleet member may lease its event later
        self.candidates.add(event)
        return self.add([market]), set(), [market]
