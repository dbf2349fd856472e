"""Snapshot rows: one `received_ns` shared by every market of one snapshot round, written
to both market_snapshots (top of book and ticker state) and orderbook_snapshots (levels).

Only markets whose book is in sync are snapshotted: a book being resynchronised is
unknown, and a snapshot of it would be a wrong base for rebuilding books later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kalshi_tape.client.stream import OrderBook
from kalshi_tape.collector.recorder import TickerState, snapshot_row
from kalshi_tape.collector.writer import Rows
from kalshi_tape.core.domain import Orderbook, OrderbookSnapshot


def add_book_snapshots(
    rows: Rows,
    *,
    received_ns: int,
    trigger: str,
    books: Mapping[str, OrderBook],
    tickers: Iterable[str],
    state: Mapping[str, TickerState],
    sid: int,
    seq: int,
) -> int:
    """Snapshot `tickers` from live books under one `received_ns`; returns the count."""
    n = 0
    for ticker in tickers:
        book = books.get(ticker)
        if book is None:
            continue
        yes, no = tuple(book.levels("yes")), tuple(book.levels("no"))
        if yes or no:  # an empty book is recorded by its market_snapshots row alone
            rows.orderbook_snapshots.append(
                OrderbookSnapshot(sid, seq, ticker, yes, no, received_ns=received_ns)
            )
        rows.market_snapshots.append(
            snapshot_row(ticker, received_ns, trigger, book, state.get(ticker), sid, seq)
        )
        n += 1
    return n


def add_polled_snapshots(
    rows: Rows,
    *,
    received_ns: int,
    books: Iterable[Orderbook],
    state: Mapping[str, TickerState],
) -> int:
    """REST books (`/markets/orderbooks`) as snapshots with sid 0, seq 0, trigger `poll`."""
    n = 0
    for polled in books:
        if polled.ticker is None:
            continue
        book = OrderBook.from_levels(polled.ticker, polled.yes, polled.no)
        if polled.yes or polled.no:
            rows.orderbook_snapshots.append(
                OrderbookSnapshot(
                    0, 0, polled.ticker, polled.yes, polled.no, received_ns=received_ns
                )
            )
        rows.market_snapshots.append(
            snapshot_row(polled.ticker, received_ns, "poll", book, state.get(polled.ticker), 0, 0)
        )
        n += 1
    return n
