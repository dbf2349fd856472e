"""The public book as recorded, plus an overlay of what our own taker orders consumed.

The recorded book is never edited by our fills: it stays exactly what the exchange sent.
Our takes are kept apart, per (market, side, price), and subtracted when we trade against
the book (`visible`). The overlay decays as the market's own deltas remove size at that
level (the real takers we pre-empted, or cancellations, catching up with our take), never
above what the level still holds, and is cleared for a market at each snapshot.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from kalshi_tape.client.stream import OrderBook
from kalshi_tape.core.money import Price

Key = tuple[str, str, Price]


class BookOverlay:
    """Size our takers consumed from recorded levels, still hidden from us (per market, so
    a take, a delta and a view cost the same however many markets hold takes)."""

    def __init__(self) -> None:
        self._by_ticker: dict[str, dict[tuple[str, Price], Decimal]] = {}

    @property
    def taken(self) -> dict[Key, Decimal]:
        """Every hidden size by (market, side, price)."""
        return {(t, s, p): n for t, held in self._by_ticker.items() for (s, p), n in held.items()}

    def take(self, ticker: str, side: str, price: Price, size: Decimal) -> None:
        held = self._by_ticker.setdefault(ticker, {})
        held[side, price] = held.get((side, price), Decimal(0)) + size

    def on_delta(self, book: OrderBook, side: str, price: Price, delta: Decimal) -> None:
        """After the recorded `book` applied a market delta: decay our take at that level."""
        held = self._by_ticker.get(book.ticker)
        taken = None if held is None else held.get((side, price))
        if held is None or taken is None:
            return
        left = (book.yes if side == "yes" else book.no).get(price, Decimal(0))
        if delta < 0:
            taken += delta
        taken = min(taken, left)
        if taken > 0:
            held[side, price] = taken
            return
        del held[side, price]
        if not held:
            del self._by_ticker[book.ticker]

    def clear(self, ticker: str) -> None:
        """A snapshot restates the market's book: nothing of ours is hidden in it any more."""
        self._by_ticker.pop(ticker, None)

    def visible(self, book: OrderBook) -> OrderBook:
        """The recorded book less what we took (a copy; `book` is untouched)."""
        held = self._by_ticker.get(book.ticker)
        if not held:
            return book
        view = copy.copy(book)  # levels copied below; best prices kept by apply_delta
        view.yes, view.no = dict(book.yes), dict(book.no)
        for (side, price), size in held.items():
            level = (view.yes if side == "yes" else view.no).get(price)
            if level is not None:
                view.apply_delta(side, price, -min(size, level))  # type: ignore[arg-type]
        return view
