"""`cursor_page`, the page walk the simulator's /events and /markets share: walking it by its
own cursors yields every kept item once, in order, `limit` at a time."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kalshi_tape.sim.routes.common import cursor_page, decode_cursor


@given(
    st.lists(st.integers(0, 50), unique=True).map(sorted),
    st.integers(1, 7),
    st.integers(1, 4),
)
def test_walking_the_cursors_yields_each_kept_item_once(
    items: list[int], limit: int, modulus: int
) -> None:
    def keep(item: int) -> bool:
        return item % modulus == 0

    walked: list[int] = []
    after: tuple[int, ...] | None = None
    for _ in range(len(items) + 2):
        page, cursor = cursor_page(items, lambda i: (i,), after, keep, limit)
        assert len(page) <= limit
        walked += page
        if not cursor:
            break
        assert len(page) == limit
        parts = decode_cursor(cursor, 1)
        assert parts is not None
        after = (int(parts[0]),)
    assert walked == [i for i in items if keep(i)]
