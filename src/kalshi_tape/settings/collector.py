"""`ktape collect` settings: the `collector:` mapping of the file, `KTAPE_COLLECTOR_*`,
collect's flags. Times are in seconds."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, InstanceOf

from kalshi_tape.settings.base import (
    FilePath,
    Integer,
    NonNegative,
    Number,
    Section,
    Tickers,
)
from kalshi_tape.settings.shared import Settings

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_WINDOW = re.compile(r"^\s*(\S+)\s*-\s*(\S+)\s*=\s*(\S+)\s*$")  # 09:00-18:00=15


@dataclass(frozen=True, slots=True)
class IntervalOverride:
    """`interval_seconds` between `start` (inclusive) and `end` (exclusive), local time of
    each market's city; a window may wrap midnight (22:00-06:00)."""

    start: time
    end: time
    interval_seconds: float

    def covers(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True, slots=True)
class Shard:
    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = re.fullmatch(r"(\d+)/(\d+)", text.strip())
        if not match:
            raise ValueError(f"expected I/N such as 0/2, got {text!r}")
        index, count = int(match[1]), int(match[2])
        if count < 1 or not 0 <= index < count:
            raise ValueError(f"need 0 <= I < N, got {text!r}")
        return cls(index, count)


def _shard(value: object) -> object:
    return Shard.parse(value) if isinstance(value, str) else value


def _hhmm(raw: object) -> time:
    match = _HHMM.match(str(raw))
    if not match:
        raise ValueError(f"expected HH:MM (24 h), got {raw!r}")
    return time(int(match[1]), int(match[2]))


def _window(item: object) -> IntervalOverride:
    """`{from: "09:00", to: "18:00", interval_seconds: 15}` or `09:00-18:00=15`."""
    if isinstance(item, IntervalOverride):
        return item
    if isinstance(item, str) and (match := _WINDOW.match(item)):
        item = {"from": match[1], "to": match[2], "interval_seconds": match[3]}
    if not isinstance(item, dict) or set(item) != {"from", "to", "interval_seconds"}:
        raise ValueError(f"{item!r}: needs from, to and interval_seconds (or HH:MM-HH:MM=S)")
    return IntervalOverride(_hhmm(item["from"]), _hhmm(item["to"]), _seconds(item))


def _seconds(item: dict[str, Any]) -> float:
    raw = item["interval_seconds"]
    try:
        seconds = float(raw) if not isinstance(raw, bool) else math.nan
    except (TypeError, ValueError):
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0.001):
        raise ValueError(f"{item!r}: interval_seconds must be a number >= 0.001")
    return seconds


def _windows(value: object) -> object:
    items = [s for s in value.split(",") if s.strip()] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError("must be a list of {from, to, interval_seconds}")
    return tuple(_window(item) for item in items)


def _cents(value: Any) -> Any:
    """Exact: a YAML float 2.5 is Decimal('2.5'), not its binary neighbour."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a boolean, not a number")
    try:
        return Decimal(str(value)) if isinstance(value, int | float | str) else value
    except InvalidOperation:
        raise ValueError("is not a number") from None


At_least_ms = Annotated[Number, Field(ge=0.001)]
Cents = Annotated[Decimal, BeforeValidator(_cents), Field(ge=0, le=100)]  # a move of $1 at most
Windows = Annotated[tuple[IntervalOverride, ...], BeforeValidator(_windows)]


class CollectorModel(Section):
    """What to collect and how often; see docs/configuration.md."""

    section = "collector"

    events: Tickers = ()  # followed as given
    series: Tickers = ()  # every open event, new ones as they open
    poll: bool = False  # no WebSocket: REST polling (works without a key)
    shard: Annotated[InstanceOf[Shard], BeforeValidator(_shard)] = Shard()
    fleet: bool = False  # claim events through leases in PostgreSQL (collector/fleet)
    lease_seconds: Annotated[Number, Field(ge=1)] = 15.0
    interval_seconds: At_least_ms = 60.0  # periodic snapshot of every market
    interval_overrides: Windows = ()  # in each market's city local time; first match wins
    spike_threshold_cents: Cents = Decimal(3)
    spike_cooldown_seconds: NonNegative = 2.0
    trade_sweep_seconds: At_least_ms = 60.0  # REST trade sweep
    discovery_seconds: At_least_ms = 300.0  # REST rediscovery of markets
    discovery_retry_s: At_least_ms = 10.0  # after a failed discovery
    poll_interval_seconds: At_least_ms = 10.0  # --poll: one REST round of books and state
    flush_interval_seconds: Annotated[Number, Field(ge=0.01)] = 0.5  # commit at least this often
    flush_max_rows: Annotated[Integer, Field(ge=1)] = 20_000  # ... or at this many rows
    spool_dir: FilePath = Path("ktape-spool")
    max_spool_bytes: Annotated[Integer, Field(ge=1)] = 10 * 2**30
    metrics_port: Annotated[Integer, Field(ge=0, le=65535)] | None = None  # Prometheus
    metrics_host: Annotated[str, Field(min_length=1)] = "127.0.0.1"
    status_every_s: At_least_ms = 30.0  # the periodic status line
    stop_timeout_s: At_least_ms = 3.0  # tasks still running this long after stop are cancelled


class CollectorConfig(CollectorModel):
    """The collector's settings with the shared `Settings` they run against."""

    settings: InstanceOf[Settings] = Field(default_factory=Settings)

    @classmethod
    def env_names(cls) -> dict[str, str]:
        return CollectorModel.env_names()

    @property
    def db(self) -> str:
        return self.settings.db_url

    @property
    def spike_threshold(self) -> Decimal:
        """The spike threshold in dollars (0 disables the rule)."""
        return self.spike_threshold_cents / 100
