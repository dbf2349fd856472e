"""Counters behind `GET /_sim/stats`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class WsStats:
    frames_sent: int = 0
    disconnects: int = 0
    seq_gaps: int = 0
    malformed: int = 0
    connections: int = 0
    stalls: int = 0
    snapshots_dropped: int = 0  # fault ws_snapshot_drop
    snapshots_corrupted: int = 0  # fault ws_snapshot_corrupt


@dataclass
class SimStats:
    requests_total: int = 0
    responses_by_status: Counter[str] = field(default_factory=Counter)
    requests_by_route: Counter[str] = field(default_factory=Counter)
    ws: WsStats = field(default_factory=WsStats)

    def as_json(self) -> dict[str, object]:
        return {
            "requests_total": self.requests_total,
            "responses_by_status": dict(self.responses_by_status),
            "requests_by_route": dict(self.requests_by_route),
            "ws": {
                "frames_sent": self.ws.frames_sent,
                "disconnects": self.ws.disconnects,
                "seq_gaps": self.ws.seq_gaps,
                "malformed": self.ws.malformed,
                "connections": self.ws.connections,
                "stalls": self.ws.stalls,
                "snapshots_dropped": self.ws.snapshots_dropped,
                "snapshots_corrupted": self.ws.snapshots_corrupted,
            },
        }
