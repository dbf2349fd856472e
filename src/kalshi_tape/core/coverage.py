"""Coverage records: "source S holds every period of (market, period) ending in [first, last]".

Written by whoever produced the candles (the collector for a span its feed watched, a
backfill for a range it completed) as `backfill_progress` checkpoints of kind `coverage`;
read by the API (`api/coverage.py`). Free of the API's dependencies, so the collector and
the backfill can write them without the `[api]` extra.
"""

from __future__ import annotations

from kalshi_tape.storage.records import BackfillProgress

KIND = "coverage"


def coverage_prefix(source: str, market: str, period: int) -> str:
    return f"{KIND}/{source}/{market}/{period}/"


def coverage_record(
    source: str, market: str, period: int, first_s: int, last_s: int
) -> BackfillProgress:
    """The checkpoint stating that `source` holds every period ending in [first_s, last_s]."""
    if last_s < first_s or first_s % (period * 60) or last_s % (period * 60):
        raise ValueError(f"coverage span {first_s}..{last_s} is not on {period}-minute ends")
    key = f"{coverage_prefix(source, market, period)}{first_s}-{last_s}"
    return BackfillProgress(key, KIND, 0, 0)
