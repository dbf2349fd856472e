"""Snapshot rows: one `received_ns` shared by every market of one snapshot round, written
to both market_snapshots (top of book and ticker state) and orderbook_snapshots (levels).

Only markets whose book is in sync are snapshotted: a book being resynchronised is
unknown, and a snapshot of it would be a wrong base for rebuilding books later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kalshi_tape.client.stream import OrderBook
from kalshi_tape.collector.recorder import TickerState
from kalshi_tape.collector.schedule import Quote
from kalshi_tape.collector.writer import Rows
from kalshi_tape.core.domain import Orderbook, OrderbookSnapshot
from kalshi_tape.core.money import Count, Price
from kalshi_tape.storage.records import MarketSnapshotRow


def quote_of(book: OrderBook, state: TickerState | None) -> Quote:
    return Quote(book.best_yes_bid, book.best_yes_ask, state.last_price if state else None)


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
            _row(ticker, received_ns, trigger, book, state.get(ticker), sid, seq)
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
            _row(polled.ticker, received_ns, "poll", book, state.get(polled.ticker), 0, 0)
        )
        n += 1
    return n


def _row(
    ticker: str,
    received_ns: int,
    trigger: str,
    book: OrderBook,
    state: TickerState | None,
    sid: int,
    seq: int,
) -> MarketSnapshotRow:
    last: Price | None = state.last_price if state else None
    volume: Count | None = state.volume if state else None
    oi: Count | None = state.open_interest if state else None
    return MarketSnapshotRow(
        market_ticker=ticker,
        received_ns=received_ns,
        trigger=trigger,
        yes_bid=book.best_yes_bid,
        yes_bid_size=book.yes_bid_size,
        yes_ask=book.best_yes_ask,
        yes_ask_size=book.yes_ask_size,
        last_price=last,
        volume=volume,
        open_interest=oi,
        sid=sid,
        seq=seq,
    )
