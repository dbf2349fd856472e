"""`SimState`: everything the simulator app shares (the exchange and the cross-cutting
machinery). Its own module so that the app, the admin API and the WebSocket hub all depend
on it without depending on each other."""

from __future__ import annotations

import time

from kalshi_tape.sim.auth import Verifier
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.exchange import Exchange
from kalshi_tape.sim.faults import FaultInjector
from kalshi_tape.sim.ratelimit import RateLimiter
from kalshi_tape.sim.stats import SimStats
from kalshi_tape.sim.ws import StreamHub


class SimState:
    """Everything the app shares: the exchange and the cross-cutting machinery."""

    def __init__(self, config: SimConfig, exchange: Exchange | None = None) -> None:
        self.config = config
        self.exchange = exchange or Exchange(config)
        self.stats = SimStats()
        self.faults = FaultInjector(config.faults, config.seed)
        self.verifier = Verifier(config.trusted_keys)
        self.limiter = RateLimiter(config.tier, self.exchange.clock)
        self.hub = StreamHub(self)

    def now_ms(self) -> int:
        """Wall-clock milliseconds for signature windows (signatures use real time)."""
        return time.time_ns() // 1_000_000
