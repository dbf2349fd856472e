"""Per-subscription sequence tracking.

Kalshi numbers the frames of one subscription (sid) 1, 2, 3 ... across all its markets.
A frame whose `seq` is not last + 1 means frames were lost (or duplicated); the caller
resynchronises every book of that sid.
"""

from __future__ import annotations

from kalshi_tape.core.errors import SequenceGap


class SequenceTracker:
    """Last seen `seq` per sid. The first frame of a sid starts the count."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: dict[int, int] = {}

    @property
    def table(self) -> dict[int, int]:
        """The live sid -> last seq mapping (for an inlined check on hot paths)."""
        return self._last

    def check(self, sid: int, seq: int) -> SequenceGap | None:
        """Record `seq` for `sid`; return the gap when frames were skipped. A repeated or
        older seq (a replayed frame) is not recorded, so it never moves the count back."""
        last = self._last.get(sid)
        if last is not None and seq <= last:
            return None
        self._last[sid] = seq
        if last is None or seq == last + 1:
            return None
        return SequenceGap(sid, last + 1, seq)

    def last(self, sid: int) -> int | None:
        return self._last.get(sid)

    def forget(self, sid: int) -> None:
        self._last.pop(sid, None)

    def reset(self) -> None:
        self._last.clear()
