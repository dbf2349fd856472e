"""Per-market resync: live -> awaiting snapshot -> live, driven by a timer on the injected
clock (never by incoming frames, so a quiet socket cannot leave a book unknown).

A market that loses its book is *awaiting*: the feed asked for a snapshot (attempt 0). When
no usable snapshot came within the wait, the next step is taken (waits doubling, capped,
with seeded jitter; see `ResyncPolicy`): `get_snapshot` again, six times, then resubscribe
the market (delete_markets + add_markets on the same sid), then reconnect, then a REST
order-book fetch, repeated until a book is back. Asking again comes first because only a
get_snapshot answer keeps the stored tape exact around the loss: a snapshot that starts a
subscription (resubscribe, reconnect) or a REST book may hold changes never streamed, so
the book before it stays unknown. Every step and the return to live are reported as events
(`ResyncStep`, `Resynced`) with the cause and how long the market has waited.
Sans-IO: the feed turns steps into commands.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from kalshi_tape.client.stream.events import Resynced, ResyncStep
from kalshi_tape.core.clock import Clock

GET_SNAPSHOT = "get_snapshot"
RESUBSCRIBE = "resubscribe"
RECONNECT = "reconnect"
REST = "rest"
# a resync snapshot is lost or cut off now and then (each ask fails alone): ask 7 times in
# all (about 2.75 s) before a step that leaves the book before it unknown
LADDER = (*(GET_SNAPSHOT,) * 6, RESUBSCRIBE, RECONNECT)
KEEP_DURATIONS = 100_000
FIRST_S = 0.25  # a get_snapshot answer takes milliseconds; asking twice is harmless
CAP_S = 4.0
RETRY_CAP_S = 0.5  # the wait before asking get_snapshot again


@dataclass(frozen=True, slots=True)
class ResyncPolicy:
    """How long to wait for a snapshot before the next step, and which step that is.

    The wait before step n+1, when it is another get_snapshot, is first_s * 2**n up to
    `retry_wait_s` (retry_cap_s, but no less than first_s); before a heavier step it is
    first_s * 2**k up to cap_s, k counting the heavier steps taken so far. Each wait is
    times a factor drawn uniformly from [1 - jitter, 1 + jitter]. After the ladder, every
    further step is a REST fetch. A REST book is installed only after `rest_quiet_s`
    without a delta of that market (one received after the fetch may already be in it)."""

    first_s: float = FIRST_S
    cap_s: float = CAP_S
    jitter: float = 0.25
    ladder: tuple[str, ...] = LADDER
    rest_quiet_s: float = 0.5
    retry_cap_s: float = RETRY_CAP_S

    def __post_init__(self) -> None:
        if self.first_s <= 0 or self.cap_s < self.first_s or not 0 <= self.jitter < 1:
            raise ValueError("ResyncPolicy: need 0 < first_s <= cap_s and 0 <= jitter < 1")

    def delay(self, attempt: int, rng: random.Random) -> float:
        if self.action(attempt + 1) == GET_SNAPSHOT:
            base = min(self.first_s * 2.0 ** min(attempt, 60), self.retry_wait_s)
        else:  # the heavier steps double from first_s again
            asks = self.ladder[:attempt].count(GET_SNAPSHOT)
            base = min(self.cap_s, self.first_s * 2.0 ** min(attempt - asks, 60))
        return base * (1.0 + rng.uniform(-self.jitter, self.jitter))

    @property
    def retry_wait_s(self) -> float:
        return min(self.cap_s, max(self.first_s, self.retry_cap_s))

    def action(self, attempt: int) -> str:
        """The step of `attempt` (1 = the first after the initial ask)."""
        return self.ladder[attempt - 1] if attempt <= len(self.ladder) else REST


@dataclass(slots=True)
class Awaiting:
    cause: str
    since_ns: int
    deadline: float
    attempt: int = 0


@dataclass(slots=True)
class ResyncMachine:
    """The awaiting markets, their deadlines and what was done for them."""

    clock: Clock
    rng: random.Random
    policy: ResyncPolicy = field(default_factory=ResyncPolicy)
    pending: dict[str, Awaiting] = field(default_factory=dict)
    escalations: Counter[str] = field(default_factory=Counter)
    durations_ns: list[int] = field(default_factory=list)

    def begin(self, tickers: Iterable[str], cause: str, now_ns: int) -> None:
        """Live -> awaiting (a market already awaiting keeps its cause and count)."""
        for ticker in tickers:
            if ticker not in self.pending:
                self.pending[ticker] = Awaiting(cause, now_ns, self._deadline(0))

    def asked(self, tickers: Iterable[str]) -> None:
        """A fresh request covers `tickers` (say, the subscribe after a reconnect): wait
        for its answer again, without escalating."""
        for ticker in tickers:
            waiting = self.pending.get(ticker)
            if waiting is not None:
                waiting.deadline = self._deadline(waiting.attempt)

    def done(self, ticker: str, now_ns: int, via: str) -> Resynced | None:
        """Awaiting -> live."""
        waiting = self.pending.pop(ticker, None)
        if waiting is None:
            return None
        duration = max(0, now_ns - waiting.since_ns)
        if len(self.durations_ns) < KEEP_DURATIONS:
            self.durations_ns.append(duration)
        return Resynced(ticker, waiting.cause, duration, waiting.attempt, via, now_ns)

    def forget(self, ticker: str) -> None:
        self.pending.pop(ticker, None)

    def next_deadline(self) -> float | None:
        return min((w.deadline for w in self.pending.values()), default=None)

    def due(self, now_ns: int) -> list[ResyncStep]:
        """The steps whose wait is over, each market one step further up the ladder."""
        now = self.clock.monotonic()
        steps = []
        for ticker in sorted(t for t, w in self.pending.items() if w.deadline <= now):
            waiting = self.pending[ticker]
            waiting.attempt += 1
            waiting.deadline = self._deadline(waiting.attempt)
            action = self.policy.action(waiting.attempt)
            self.escalations[action] += 1
            waited = max(0, now_ns - waiting.since_ns)
            steps.append(ResyncStep(ticker, action, waiting.attempt, waiting.cause, waited, now_ns))
        return steps

    def _deadline(self, attempt: int) -> float:
        return self.clock.monotonic() + self.policy.delay(attempt, self.rng)
