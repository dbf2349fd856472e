"""`ktape collect status`: who holds what, their lag and last heartbeat."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

MEMBERS = """
SELECT member_id, host, pid, extract(epoch FROM clock_timestamp() - heartbeat_at),
       lease_seconds, markets, messages, lag_p50_s, lag_p99_s
FROM collector_members ORDER BY member_id
"""
LEASES = """
SELECT event_ticker, holder, token, extract(epoch FROM expires_at - clock_timestamp())
FROM collector_leases ORDER BY event_ticker
"""


@dataclass(frozen=True, slots=True)
class MemberStatus:
    member_id: str
    host: str
    pid: int
    heartbeat_age_s: float
    lease_seconds: float
    markets: int
    messages: int
    lag_p50_s: float | None
    lag_p99_s: float | None
    events: int

    @property
    def alive(self) -> bool:
        return self.heartbeat_age_s <= self.lease_seconds


@dataclass(frozen=True, slots=True)
class LeaseStatus:
    event_ticker: str
    holder: str
    token: int
    expires_in_s: float


@dataclass(frozen=True, slots=True)
class FleetStatus:
    members: tuple[MemberStatus, ...]
    leases: tuple[LeaseStatus, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "members": [
                {
                    "member_id": m.member_id,
                    "host": m.host,
                    "pid": m.pid,
                    "alive": m.alive,
                    "heartbeat_age_s": round(m.heartbeat_age_s, 3),
                    "lease_seconds": m.lease_seconds,
                    "events": m.events,
                    "markets": m.markets,
                    "messages": m.messages,
                    "lag_p50_s": m.lag_p50_s,
                    "lag_p99_s": m.lag_p99_s,
                }
                for m in self.members
            ],
            "leases": [
                {
                    "event_ticker": lease.event_ticker,
                    "holder": lease.holder,
                    "token": lease.token,
                    "expires_in_s": round(lease.expires_in_s, 3),
                }
                for lease in self.leases
            ],
        }


def _float(value: object) -> float | None:
    return None if value is None else float(str(value))


def read_status(url: str) -> FleetStatus:
    """The fleet tables now (empty when no fleet ever ran on this database)."""
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as con:
        exists = con.execute("SELECT to_regclass('collector_leases') IS NOT NULL").fetchone()
        if not exists or not exists[0]:
            return FleetStatus((), ())
        leases = tuple(
            LeaseStatus(str(e), str(h), int(t), float(x)) for e, h, t, x in con.execute(LEASES)
        )
        held: dict[str, int] = {}
        for lease in leases:
            held[lease.holder] = held.get(lease.holder, 0) + 1
        members = tuple(
            MemberStatus(
                member_id=str(row[0]),
                host=str(row[1]),
                pid=int(str(row[2])),
                heartbeat_age_s=float(str(row[3])),
                lease_seconds=float(str(row[4])),
                markets=int(str(row[5])),
                messages=int(str(row[6])),
                lag_p50_s=_float(row[7]),
                lag_p99_s=_float(row[8]),
                events=held.get(str(row[0]), 0),
            )
            for row in con.execute(MEMBERS)
        )
    return FleetStatus(members, leases)
