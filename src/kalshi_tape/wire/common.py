"""The wire base struct and the era-spanning field types shared by every topic."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

CentsOrDollars = int | str  # era A/B integer cents, or a dollar string (historical shape)
CountOrFp = int | str  # era A/B integer count, or an fp string (historical shape)
Timestamp = Annotated[datetime, msgspec.Meta(tz=True)]  # RFC3339 with a zone; naive is an error


class Wire(msgspec.Struct, omit_defaults=True):
    """Base of all wire structs."""
