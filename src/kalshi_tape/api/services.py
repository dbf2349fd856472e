"""`Services`: what the routes of one app share (held in `app.state.services`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from kalshi_tape.api.access import Metrics
from kalshi_tape.api.candles import CandleService
from kalshi_tape.api.keys import KeyRegistry
from kalshi_tape.api.render import ResponseCache
from kalshi_tape.api.resilience import SingleFlight
from kalshi_tape.client import KalshiClient
from kalshi_tape.core.clock import Clock
from kalshi_tape.settings.api import ApiSettings
from kalshi_tape.storage import Store


@dataclass(slots=True)
class Services:
    settings: ApiSettings
    store: Store
    client: KalshiClient | None
    candles: CandleService
    keys: KeyRegistry
    metrics: Metrics
    cache: ResponseCache
    clock: Clock
    owned: list[object] = field(default_factory=list)
    # identical concurrent candle requests share one read and render: (body, headers)
    renders: SingleFlight[tuple[bytes, dict[str, str]]] = field(default_factory=SingleFlight)


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found
