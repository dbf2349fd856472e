"""Rebuilding past order books from the stored tape, for the collector's `ktape book` and the
API alike (neither imports the other).

rebuild_book(store, ticker, at_ns, clock="exchange").book
"""

from kalshi_tape.books.rebuild import BookUnknown, RebuiltBook, rebuild_book

__all__ = ["BookUnknown", "RebuiltBook", "rebuild_book"]
