"""Audit a stored tape against the truth: books rebuilt at random moments, on both clocks,
must equal the true book or be explicitly unknown, and every unknown must name a
`sequence_gaps` row that exists.

    report = audit_books(store, tickers, truth, samples=1000, rng=random.Random(1))
    report.unknown_fraction("exchange"), report.mismatches

`truth(ticker, at_ms)` gives the true (yes, no) levels after every change the exchange
stamped in that second (the simulator's `/_sim/book/{ticker}?at_ms=`). Moments are drawn
uniformly over markets x time (market-time). `received_truth(ticker, received_ns)` gives
the true book at a moment of our clock, or None when the true book changes so close to it
that a frame may still have been in flight (the moment is drawn again).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from kalshi_tape.books.rebuild import BookClock, BookUnknown, rebuild_book
from kalshi_tape.storage import Store

Levels = list[tuple[Decimal, Decimal]]
Truth = Callable[[str, int], tuple[Levels, Levels]]
ReceivedTruth = Callable[[str, int], tuple[Levels, Levels] | None]
_ROW = re.compile(r"sequence_gaps row kind=(\w+) received_ns=(\d+)")
CLOCKS: tuple[BookClock, ...] = ("exchange", "received")


@dataclass(slots=True)
class AuditReport:
    outcomes: dict[str, Counter[str]] = field(
        default_factory=lambda: {c: Counter[str]() for c in CLOCKS}
    )
    mismatches: list[str] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)  # unknown without a gaps row
    silent: list[str] = field(default_factory=list)  # markets without a stored delta
    unknowns: list[str] = field(default_factory=list)  # the first few, for the record

    def unknown_fraction(self, clock: str) -> float:
        seen = self.outcomes[clock]
        total = seen["match"] + seen["unknown"] + seen["mismatch"]
        return seen["unknown"] / total if total else 0.0


def audit_books(
    store: Store,
    tickers: Sequence[str],
    truth: Truth,
    received_truth: ReceivedTruth,
    *,
    exchange_window_ms: tuple[int, int],
    received_window_ns: tuple[int, int],
    samples: int,
    rng: random.Random,
) -> AuditReport:
    """`samples` moments per clock, each in its window. On the exchange clock, moments
    from the first stored delta on (any market's deltas place a snapshot there); markets
    without a delta of their own are sampled too and listed in `silent`."""
    report = AuditReport()
    moving = {str(r[0]) for r in store.sql("SELECT DISTINCT market_ticker FROM orderbook_deltas")}
    report.silent = sorted(set(tickers) - moving)
    first = store.sql("SELECT min(exchange_ts_ms) FROM orderbook_deltas")[0][0]
    if moving and first is not None:
        lo = max(exchange_window_ms[0], int(first))
        _sample_exchange(
            store,
            report,
            sorted(tickers),
            truth,
            (lo, exchange_window_ms[1]),
            samples,
            rng,
        )
    _sample_received(
        store, report, sorted(tickers), received_truth, received_window_ns, samples, rng
    )
    return report


def _sample_exchange(
    store: Store,
    report: AuditReport,
    tickers: Sequence[str],
    truth: Truth,
    window: tuple[int, int],
    samples: int,
    rng: random.Random,
) -> None:
    for _ in range(samples if tickers and window[1] > window[0] else 0):
        ticker = rng.choice(tickers)
        at_ms = rng.randrange(*window)
        _judge(store, report, ticker, "exchange", at_ms * 1_000_000, partial(truth, ticker, at_ms))


def _sample_received(
    store: Store,
    report: AuditReport,
    tickers: Sequence[str],
    truth: ReceivedTruth,
    window: tuple[int, int],
    samples: int,
    rng: random.Random,
) -> None:
    judged = 0
    for _ in range(samples * 20 if tickers and window[1] > window[0] else 0):
        if judged == samples:
            return
        ticker = rng.choice(tickers)
        at_ns = rng.randrange(*window)
        levels = truth(ticker, at_ns)
        if levels is None:  # the true book moves around then: a frame may be in flight
            report.outcomes["received"]["redrawn"] += 1
            continue
        _judge(store, report, ticker, "received", at_ns, partial(_same, levels))
        judged += 1


def _judge(
    store: Store,
    report: AuditReport,
    ticker: str,
    clock: BookClock,
    at_ns: int,
    expected: Callable[[], tuple[Levels, Levels]],
) -> None:
    seen = report.outcomes[clock]
    try:
        rebuilt = rebuild_book(store, ticker, at_ns, clock=clock)
    except BookUnknown as exc:
        seen["unknown"] += 1
        if len(report.unknowns) < 20:
            report.unknowns.append(f"{clock} {ticker} {at_ns}: {exc}")
        if not _row_exists(store, str(exc)):
            report.unexplained.append(f"{clock} {ticker} {at_ns}: {exc}")
        return
    yes, no = expected()
    ours = rebuilt.book.to_json()
    if _levels(ours["yes"]) == yes and _levels(ours["no"]) == no:
        seen["match"] += 1
        return
    seen["mismatch"] += 1
    report.mismatches.append(
        f"{clock} {ticker} at_ns={at_ns} base={rebuilt.base_trigger}"
        f"@{rebuilt.base_ns} cut={rebuilt.cut_ns}: ours {ours} truth {yes} {no}"
    )


def _same(levels: tuple[Levels, Levels]) -> tuple[Levels, Levels]:
    return levels


def _levels(rows: list[list[str]]) -> Levels:
    return [(Decimal(p), Decimal(s)) for p, s in rows]


def _row_exists(store: Store, message: str) -> bool:
    found = _ROW.search(message)
    if found is None:
        return False
    p = store.placeholder
    rows = store.sql(
        f"SELECT count(*) FROM sequence_gaps WHERE kind = {p} AND received_ns = {p}",
        (found.group(1), int(found.group(2))),
    )
    return bool(rows and int(rows[0][0]) > 0)
