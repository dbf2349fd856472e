"""Which markets the live feed watched, and since when: the collector's coverage records.

A market subscribed at S and unsubscribed (or the collector stopped) at T had every
1-minute period that began at or after S and ended by T in view; those periods are
recorded as covered (`api/coverage.py`). The feed gaps the recorder writes to
`sequence_gaps` are cut out when coverage is read, so they are not subtracted here.
Only the streaming collector writes coverage: REST polling can miss quote changes.
"""

from __future__ import annotations

from kalshi_tape.core.coverage import coverage_record
from kalshi_tape.storage import BackfillProgress

PERIOD_S = 60
SOURCE = "collector"


class WatchLog:
    """Times are exchange time (the newest exchange stamp seen), like the candles."""

    def __init__(self) -> None:
        self._since_ns: dict[str, int] = {}
        self._pending: set[str] = set()  # subscribed; watched from the next exchange stamp

    def start(self, tickers: list[str] | set[str]) -> None:
        self._pending |= set(tickers) - self._since_ns.keys()

    def watching(self) -> set[str]:
        """The markets watched now (started by an exchange stamp)."""
        return set(self._since_ns)

    def stamp(self, exchange_now_ns: int) -> None:
        """The feed delivered an event at this exchange time: pending markets start now."""
        if self._pending and exchange_now_ns > 0:
            for ticker in self._pending:
                self._since_ns[ticker] = exchange_now_ns
            self._pending.clear()

    def stop(self, tickers: list[str] | set[str], now_ns: int) -> list[BackfillProgress]:
        """The coverage records of the markets no longer watched from `now_ns` on."""
        records = []
        for ticker in tickers:
            self._pending.discard(ticker)
            since = self._since_ns.pop(ticker, None)
            record = None if since is None else watched(ticker, since, now_ns)
            if record is not None:
                records.append(record)
        return records

    def stop_all(self, now_ns: int) -> list[BackfillProgress]:
        return self.stop([*self._since_ns, *self._pending], now_ns)


def watched(ticker: str, since_ns: int, until_ns: int) -> BackfillProgress | None:
    """The coverage record of the whole periods inside [since_ns, until_ns], if any."""
    first = -(-since_ns // (PERIOD_S * 1_000_000_000)) * PERIOD_S + PERIOD_S
    last = until_ns // 1_000_000_000 // PERIOD_S * PERIOD_S
    if last < first:
        return None
    return coverage_record(SOURCE, ticker, 1, first, last)
