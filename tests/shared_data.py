"""Where the project's shared reference data lives: `shared/` beside the checkout.

`KTAPE_SHARED` overrides it. Tests that need the data fail loudly when it is missing:
silently skipping them would hide that nothing was checked.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORKPLACE_COPY = Path("/work") / "shared"


def _locate() -> Path:
    override = os.environ.get("KTAPE_SHARED")
    candidates = [Path(override)] if override else [REPO.parent / "shared", WORKPLACE_COPY]
    for candidate in candidates:
        if (candidate / "kalshi").is_dir():
            return candidate
    raise RuntimeError(f"shared reference data not found in {candidates}; set KTAPE_SHARED")


SHARED = _locate()
