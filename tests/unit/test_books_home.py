"""Book rebuilding lives in `kalshi_tape.books`: the API uses it without importing the collector."""

from __future__ import annotations

import subprocess
import sys


def test_api_market_routes_do_not_import_the_collector() -> None:
    # Fails on the old layout: api/routes/markets.py imported kalshi_tape.collector.book.
    code = (
        "import sys, kalshi_tape.api.routes.markets\n"
        "print(sorted(m for m in sys.modules if m.startswith('kalshi_tape.collector')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_collector_still_exports_the_book_names() -> None:
    from kalshi_tape import books, collector

    assert collector.rebuild_book is books.rebuild_book
    assert collector.BookUnknown is books.BookUnknown
