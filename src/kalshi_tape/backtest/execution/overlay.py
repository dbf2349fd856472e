"""The public book as recorded, plus an overlay of what our own taker orders consumed.

The recorded book is never edited by our fills: it stays exactly what the exchange sent.
Our takes are kept apart, per (market, side, price), and subtracted when we trade against
the book (`visible`). The overlay decays as the market's own deltas remove size at that
level (the real takers we pre-empted, or cancellations, catching up with our take), never
above what the level still holds, and is cleared for a market at each snapshot.
"""

from __future__ import annotations

from decimal import Decimal

from kalshi_tape.client.stream import OrderBook
from kalshi_tape.money import Count, Price

Key = tuple[str, str, Price]


class BookOverlay:
    """Size our takers consumed from recorded levels, still hidden from us."""

    def __init__(self) -> None:
        self.taken: dict[Key, Decimal] = {}

    def take(self, ticker: str, side: str, price: Price, size: Decimal) -> None:
        key = (ticker, side, price)
        self.taken[key] = self.taken.get(key, Decimal(0)) + size

    def on_delta(self, book: OrderBook, side: str, price: Price, delta: Decimal) -> None:
        """After the recorded `book` applied a market delta: decay our take at that level."""
        key = (book.ticker, side, price)
        taken = self.taken.get(key)
        if taken is None:
            return
        left = (book.yes if side == "yes" else book.no).get(price, Decimal(0))
        if delta < 0:
            taken += delta
        taken = min(taken, left)
        if taken > 0:
            self.taken[key] = taken
        else:
            del self.taken[key]

    def clear(self, ticker: str) -> None:
        """A snapshot restates the market's book: nothing of ours is hidden in it any more."""
        for key in [k for k in self.taken if k[0] == ticker]:
            del self.taken[key]

    def visible(self, book: OrderBook) -> OrderBook:
        """The recorded book less what we took (a copy; `book` is untouched)."""
        if not any(k[0] == book.ticker for k in self.taken):
            return book
        levels = {"yes": dict(book.yes), "no": dict(book.no)}
        for (ticker, side, price), size in self.taken.items():
            if ticker == book.ticker and price in levels[side]:
                levels[side][price] -= size
        return OrderBook.from_levels(
            book.ticker,
            [(p, Count(s)) for p, s in levels["yes"].items() if s > 0],
            [(p, Count(s)) for p, s in levels["no"].items() if s > 0],
        )
