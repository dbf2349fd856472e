"""Simulator configuration: one frozen dataclass, parsed from CLI flags or built in tests."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Literal

from kalshi_tape.client.ratelimit import TIER_BUDGETS
from kalshi_tape.core.errors import ConfigError

WireEra = Literal["fixed", "dual", "cents"]
WIRE_ERAS: tuple[str, ...] = ("fixed", "dual", "cents")

DEFAULT_SERIES: tuple[str, ...] = (
    "KXHIGHNY",
    "KXHIGHCHI",
    "KXHIGHMIA",
    "KXHIGHAUS",
    "KXHIGHDEN",
    "KXHIGHLAX",
    "KXHIGHPHIL",
)


@dataclass(frozen=True)
class Faults:
    """Injected faults; all off by default. Fractions are in [0, 1]."""

    http_5xx: float = 0.0
    http_latency_ms: float = 0.0
    ws_drop_every: int = 0
    ws_seq_gap: float = 0.0
    ws_malformed: float = 0.0
    ws_stall_after: int = 0  # a connection goes silent (no frames, no pongs) after N frames
    # resync snapshots (a market's second or later snapshot on one connection: get_snapshot
    # answers, add_markets after delete_markets, a resubscribe): never sent, or truncated
    ws_snapshot_drop: float = 0.0
    ws_snapshot_corrupt: float = 0.0

    @property
    def any_active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def updated(self, values: dict[str, object]) -> Faults:
        """A copy with `values` (name -> number, as text or number) applied; raises ConfigError."""
        changes: dict[str, float | int] = {}
        names = {f.name: f for f in fields(self)}
        for name, raw in values.items():
            if name not in names:
                raise ConfigError(f"faults.{name}", f"unknown fault (known: {', '.join(names)})")
            changes[name] = _fault_value(name, raw)
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def parse(cls, text: str) -> Faults:
        """`"http_5xx=0.1,ws_drop_every=500"` -> Faults."""
        values: dict[str, object] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, sep, value = part.partition("=")
            if not sep:
                raise ConfigError("faults", f"expected name=value, got {part!r}")
            values[name.strip()] = value.strip()
        return cls().updated(values)


FRACTIONS = ("http_5xx", "ws_seq_gap", "ws_malformed", "ws_snapshot_drop", "ws_snapshot_corrupt")


def _fault_value(name: str, raw: object) -> float | int:
    try:
        number = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"faults.{name}", f"not a number: {raw!r}") from None
    if number < 0:
        raise ConfigError(f"faults.{name}", "must be >= 0")
    if name in ("ws_drop_every", "ws_stall_after"):
        return int(number)
    if name in FRACTIONS and number > 1:
        raise ConfigError(f"faults.{name}", "a fraction must be <= 1")
    return number


@dataclass(frozen=True)
class SimConfig:
    """Everything that determines what the simulator says.

    `now` is the market clock at start (None = wall clock); `speed` is how fast it then
    runs (0 = frozen). Markets settled more than `historical_days` before `now` sit behind
    the historical cutoff, and so do trades created before it.
    """

    seed: int = 1
    now: datetime | None = None
    days: int = 45
    historical_days: int = 7
    wire_era: WireEra = "fixed"
    whole_contracts: bool = False
    tier: str = "unlimited"
    trusted_keys: dict[str, str] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    speed: float = 1.0
    series: tuple[str, ...] = DEFAULT_SERIES

    def __post_init__(self) -> None:
        if self.wire_era not in WIRE_ERAS:
            raise ConfigError("wire_era", f"must be one of {', '.join(WIRE_ERAS)}")
        if self.tier not in TIER_BUDGETS:
            raise ConfigError("tier", f"must be one of {', '.join(TIER_BUDGETS)}")
        if self.days < 0 or self.historical_days < 0:
            raise ConfigError("days", "must be >= 0")
        if self.speed < 0:
            raise ConfigError("speed", "must be >= 0")
        if self.now is not None and self.now.tzinfo is None:
            raise ConfigError("now", "must be timezone-aware")

    @property
    def whole(self) -> bool:
        """Whole contracts: on request, and always in the legacy eras whose integer count
        fields could not carry fractions."""
        return self.whole_contracts or self.wire_era in ("cents", "dual")
