from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshi_tape.client.stream.orderbook import BookInvariantError, OrderBook
from kalshi_tape.client.stream.sequence import SequenceTracker
from kalshi_tape.core.money import Count, Price


def _book() -> OrderBook:
    return OrderBook.from_levels(
        "M",
        yes=[(Price("0.0100"), Count("200.00")), (Price("0.4200"), Count("13.00"))],
        no=[(Price("0.0100"), Count("100.00")), (Price("0.5600"), Count("17.50"))],
    )


def test_derived_quotes() -> None:
    book = _book()
    assert (book.best_yes_bid, book.yes_bid_size) == (Price("0.4200"), Count("13.00"))
    assert (book.best_yes_ask, book.yes_ask_size) == (Price("0.4400"), Count("17.50"))
    assert (book.best_no_bid, book.best_no_ask) == (Price("0.5600"), Price("0.5800"))
    assert book.spread == Decimal("0.0200")
    assert book.depth("yes") == 2 and book.total_size("no") == Count("117.50")
    assert book.to_json() == {
        "yes": [["0.0100", "200.00"], ["0.4200", "13.00"]],
        "no": [["0.0100", "100.00"], ["0.5600", "17.50"]],
    }


def test_deltas_add_remove_and_move_the_best_level() -> None:
    book = _book()
    book.apply_delta("yes", Price("0.4200"), Count("-13.00"))
    assert book.best_yes_bid == Price("0.0100") and book.depth("yes") == 1
    book.apply_delta("yes", Price("0.4300"), Count("1.10"))
    assert book.best_yes_bid == Price("0.4300") and book.yes_bid_size == Count("1.10")
    assert not book.crossed


def test_negative_size_raises_and_crossing_is_detected() -> None:
    book = _book()
    with pytest.raises(BookInvariantError, match=r"would be -1\.00"):
        book.apply_delta("no", Price("0.5600"), Count("-18.50"))
    book.apply_delta("yes", Price("0.4500"), Count("5.00"))
    assert book.crossed
    with pytest.raises(BookInvariantError, match="crossed"):
        book.check()
    with pytest.raises(BookInvariantError, match="negative"):
        OrderBook.from_levels("M", [(Price("0.1"), Count("-1"))], [])


ops = st.lists(
    st.tuples(
        st.sampled_from(["yes", "no"]),
        st.integers(min_value=1, max_value=40),
        st.integers(min_value=-500, max_value=500),
    ),
    max_size=80,
)


@given(ops)
def test_book_matches_a_reference_model(operations: list[tuple[str, int, int]]) -> None:
    book = OrderBook("M")
    model: dict[tuple[str, int], int] = {}
    for side, cents, hundredths in operations:
        size = model.get((side, cents), 0) + hundredths
        price, delta = Price.from_cents(cents), Count(Decimal(hundredths) / 100)
        if size < 0:
            with pytest.raises(BookInvariantError):
                book.apply_delta(side, price, delta)  # type: ignore[arg-type]
            continue
        book.apply_delta(side, price, delta)  # type: ignore[arg-type]
        model[(side, cents)] = size
    for side in ("yes", "no"):
        expected = sorted((c, s) for (sd, c), s in model.items() if sd == side and s > 0)
        got = [(int(p.cents), int(s * 100)) for p, s in book.levels(side)]  # type: ignore[arg-type]
        assert got == expected
        best = max((c for c, _ in expected), default=None)
        bid = book.best_yes_bid if side == "yes" else book.best_no_bid
        assert (None if bid is None else int(bid.cents)) == best


def test_sequence_tracker_reports_gaps_per_sid() -> None:
    tracker = SequenceTracker()
    assert tracker.check(1, 5) is None and tracker.check(1, 6) is None
    assert tracker.check(2, 1) is None
    gap = tracker.check(1, 9)
    assert gap is not None and (gap.sid, gap.expected, gap.got) == (1, 7, 9)
    assert tracker.check(1, 10) is None
    tracker.forget(1)
    assert tracker.check(1, 1) is None
