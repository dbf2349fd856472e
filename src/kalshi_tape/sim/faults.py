"""Fault injection, reproducible from the seed: each fault draws from its own seeded RNG,
so the same seed and the same request/frame order give the same faults."""

from __future__ import annotations

import random

from kalshi_tape.sim.config import Faults


class FaultInjector:
    def __init__(self, faults: Faults, seed: int) -> None:
        self.faults = faults
        self._http = random.Random(f"{seed}:http_5xx")
        self._gap = random.Random(f"{seed}:ws_seq_gap")
        self._malformed = random.Random(f"{seed}:ws_malformed")
        self._snapshot_drop = random.Random(f"{seed}:ws_snapshot_drop")
        self._snapshot_corrupt = random.Random(f"{seed}:ws_snapshot_corrupt")

    def update(self, values: dict[str, object]) -> Faults:
        self.faults = self.faults.updated(values)
        return self.faults

    def http_5xx(self) -> bool:
        return self.faults.http_5xx > 0 and self._http.random() < self.faults.http_5xx

    def latency_s(self) -> float:
        return self.faults.http_latency_ms / 1000.0

    def seq_gap(self) -> bool:
        return self.faults.ws_seq_gap > 0 and self._gap.random() < self.faults.ws_seq_gap

    def malformed(self) -> bool:
        return self.faults.ws_malformed > 0 and self._malformed.random() < self.faults.ws_malformed

    def resync_snapshot(self) -> str:
        """The fate of a resync snapshot: "drop", "corrupt" or "" (sent as is)."""
        f = self.faults
        if f.ws_snapshot_drop > 0 and self._snapshot_drop.random() < f.ws_snapshot_drop:
            return "drop"
        if f.ws_snapshot_corrupt > 0 and self._snapshot_corrupt.random() < f.ws_snapshot_corrupt:
            return "corrupt"
        return ""

    @property
    def ws_active(self) -> bool:
        f = self.faults
        return bool(f.ws_drop_every or f.ws_seq_gap or f.ws_malformed)
