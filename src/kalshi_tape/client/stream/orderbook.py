"""An exact order book per market: YES bids and NO bids, nothing else.

Kalshi books hold only bids. The YES ask is 1 - best NO bid and the NO ask is
1 - best YES bid. Sizes are exact `Decimal`s; a level whose size reaches zero is removed.
Invariants: no level below zero, and the book neither crossed nor locked (best YES bid +
best NO bid < 1, i.e. YES bid < YES ask: at equality the two bids would have matched).
A negative size raises `BookInvariantError` at once; a crossing is reported by `crossed`
and judged by the feed once the exchange event that caused it has finished. Either way
the feed drops the book and asks for a snapshot. The best bid of each side is tracked
incrementally, so a delta costs O(1) except when the best level empties.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from kalshi_tape.core.domain import Level, Side
from kalshi_tape.core.errors import StreamError
from kalshi_tape.core.money import Count, Price

_ZERO = Decimal(0)
_ONE = Decimal(1)


class BookInvariantError(StreamError):
    """A delta or snapshot left the book with a negative size or crossed."""

    def __init__(self, ticker: str, reason: str) -> None:
        super().__init__(f"book {ticker}: {reason}")
        self.ticker = ticker
        self.reason = reason


class OrderBook:
    """YES and NO bid levels of one market, exact, with derived quotes."""

    __slots__ = ("_best_no", "_best_yes", "no", "ticker", "yes")

    def __init__(self, ticker: str) -> None:
        self.ticker = ticker
        self.yes: dict[Price, Decimal] = {}
        self.no: dict[Price, Decimal] = {}
        self._best_yes: Price | None = None
        self._best_no: Price | None = None

    @classmethod
    def from_levels(cls, ticker: str, yes: Iterable[Level], no: Iterable[Level]) -> OrderBook:
        """A book from snapshot levels; zero-size levels are skipped. A negative size raises;
        a crossed snapshot is built as sent (call `check()` to detect it)."""
        book = cls(ticker)
        for side, levels in ((book.yes, yes), (book.no, no)):
            for price, size in levels:
                if size < _ZERO:
                    raise BookInvariantError(ticker, f"negative size {size} at {price}")
                if size > _ZERO:
                    side[price] = side.get(price, _ZERO) + size
        book._best_yes = max(book.yes) if book.yes else None
        book._best_no = max(book.no) if book.no else None
        return book

    # ------------------------------------------------------------------ updates

    def apply_delta(self, side: Side, price: Price, delta: Decimal) -> bool:
        """Change the resting size at `price` on `side` by `delta` (signed).

        Returns True when `price` became the side's best bid (only then can the book have
        crossed; see `crossed`). A negative result raises. Crossing is left to the caller
        because one exchange event can cross the book for the length of its own deltas."""
        levels = self.yes if side == "yes" else self.no
        size = levels.get(price, _ZERO) + delta
        if size > _ZERO:
            levels[price] = size
            if side == "yes":
                if self._best_yes is None or price > self._best_yes:
                    self._best_yes = price
                    return True
            elif self._best_no is None or price > self._best_no:
                self._best_no = price
                return True
            return False
        if size == _ZERO:
            if levels.pop(price, None) is not None:
                self._emptied(side, price)
            return False
        raise BookInvariantError(self.ticker, f"{side} size at {price} would be {size}")

    @property
    def crossed(self) -> bool:
        """Best YES bid + best NO bid >= 1 (a YES bid at or above the YES ask)."""
        yes, no = self._best_yes, self._best_no
        return yes is not None and no is not None and yes + no >= _ONE

    def _emptied(self, side: Side, price: Price) -> None:
        if side == "yes":
            if price == self._best_yes:
                self._best_yes = max(self.yes) if self.yes else None
        elif price == self._best_no:
            self._best_no = max(self.no) if self.no else None

    def check(self) -> None:
        """Raise `BookInvariantError` when a size is negative or the book is crossed."""
        for side, levels in (("yes", self.yes), ("no", self.no)):
            for price, size in levels.items():
                if size <= _ZERO:
                    raise BookInvariantError(self.ticker, f"{side} size {size} at {price}")
        yes, no = self._best_yes, self._best_no
        if yes is not None and no is not None and yes + no >= _ONE:
            raise BookInvariantError(self.ticker, f"crossed: yes bid {yes} + no bid {no} >= 1")

    # ------------------------------------------------------------------ derived quotes

    @property
    def best_yes_bid(self) -> Price | None:
        return self._best_yes

    @property
    def best_no_bid(self) -> Price | None:
        return self._best_no

    @property
    def best_yes_ask(self) -> Price | None:
        """1 - best NO bid (selling NO is buying YES)."""
        return self._best_no.complement() if self._best_no is not None else None

    @property
    def best_no_ask(self) -> Price | None:
        return self._best_yes.complement() if self._best_yes is not None else None

    @property
    def yes_bid_size(self) -> Count | None:
        return Count(self.yes[self._best_yes]) if self._best_yes is not None else None

    @property
    def yes_ask_size(self) -> Count | None:
        """Contracts offered at the YES ask = size of the best NO bid."""
        return Count(self.no[self._best_no]) if self._best_no is not None else None

    @property
    def no_bid_size(self) -> Count | None:
        return self.yes_ask_size

    @property
    def no_ask_size(self) -> Count | None:
        return self.yes_bid_size

    @property
    def spread(self) -> Decimal | None:
        """YES ask - YES bid, when both sides exist."""
        if self._best_yes is None or self._best_no is None:
            return None
        return _ONE - self._best_no - self._best_yes

    def depth(self, side: Side) -> int:
        """Number of price levels on a side."""
        return len(self.yes if side == "yes" else self.no)

    def total_size(self, side: Side) -> Count:
        return Count(sum((self.yes if side == "yes" else self.no).values(), _ZERO))

    def levels(self, side: Side) -> list[Level]:
        """(price, size) of a side, ascending by price (best bid last, as Kalshi sends)."""
        levels = self.yes if side == "yes" else self.no
        return [(price, Count(levels[price])) for price in sorted(levels)]

    def to_json(self) -> dict[str, list[list[str]]]:
        """`{"yes": [[price, size], ...], "no": [...]}` with exact strings, ascending."""
        return {
            side: [[str(price), str(size)] for price, size in self.levels(side)]
            for side in ("yes", "no")
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OrderBook):
            return NotImplemented
        return (self.ticker, self.yes, self.no) == (other.ticker, other.yes, other.no)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"OrderBook({self.ticker}, yes {self.best_yes_bid}x{self.yes_bid_size}"
            f" / ask {self.best_yes_ask}x{self.yes_ask_size}, depth {len(self.yes)}/{len(self.no)})"
        )
