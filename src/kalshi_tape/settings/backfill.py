"""`ktape backfill` settings: the `backfill:` mapping of the file, `KTAPE_BACKFILL_*`,
backfill's flags."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from kalshi_tape.settings.base import Integer, Section, comma_list

Period = Literal[1, 60, 1440]  # Kalshi's candle periods, minutes


def _periods(value: object) -> object:
    """`1,60` in the environment, `--period 1 --period 60`, or a list in the file."""
    items = comma_list(value) if isinstance(value, str) else value
    if isinstance(items, list | tuple):
        return tuple(int(p) if isinstance(p, str) and p.strip().isdigit() else p for p in items)
    return value


class BackfillModel(Section):
    """What a backfill fetches and how hard it pushes."""

    section = "backfill"

    periods: Annotated[tuple[Period, ...], BeforeValidator(_periods), Field(min_length=1)] = (
        1,
        60,
        1440,
    )
    trades: bool = True  # fetch trades too
    concurrency: Annotated[Integer, Field(ge=1)] = 8  # requests in flight at most
    max_batch_rows: Annotated[Integer, Field(ge=1)] = 50_000  # rows per warehouse commit
    max_pending_chunks: Annotated[Integer, Field(ge=1)] = 256  # fetchers wait beyond this
