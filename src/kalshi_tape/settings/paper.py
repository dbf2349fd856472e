"""`ktape paper` settings: the `paper:` mapping of the file, `KTAPE_PAPER_*`, paper's flags."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kalshi_tape.settings.base import Integer, Positive, Section


class PaperModel(Section):
    """How a paper session runs and when it stops. Times are in seconds."""

    section = "paper"

    bars: Annotated[Integer, Field(ge=1)] | None = None  # stop after N bars (None: at close)
    seconds: Positive | None = None  # stop after N s of wall time (None: Ctrl-C or close)
    flush_every: Annotated[Integer, Field(ge=1)] = 500  # messages between tape writes
    closed_poll_s: Positive = 2.0  # wall seconds between REST checks that markets closed
