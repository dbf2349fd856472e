"""The exchange clock's stamps: stored frames whose exchange time places the tape on it.

Stamped frames are book deltas and ticker rows (`market_snapshots` of trigger `ticker`,
including a subscription's initial ticker snapshots). A delta's `ts_ms` is its send time. A
ticker row's stamp is trusted only if it is consistent with being a send time: not lower
than the stamp of any stamped frame received before it (the exchange's time never
decreases along the stream). Kalshi documents a ticker's `ts` as "when the update
happened", so an initial snapshot may carry the market's last change, hours old; such a
stamp goes backwards and is ignored here (it neither places a snapshot nor ends a loss). A
stale stamp that is still not lower than every earlier one passes: the residual risk
(docs/collector.md).

An untrusted ticker is lower than an earlier stamp, so it never raises the running
maximum: a ticker is trusted iff its stamp is >= the maximum over *all* stamped frames
received before it. The queries below check only the tickers between a point and the
nearest delta (deltas are always trusted); the prefix maximum is read only when such a
ticker exists, so a rebuild's cost stays that of a few range scans.
"""

from __future__ import annotations

from kalshi_tape.storage import Store

END = 2**63 - 1
LOWEST = -(2**62)  # below every stamp: the maximum stamp of an empty prefix
_TICKERS = "market_snapshots WHERE trigger = 'ticker' AND exchange_ts_ms IS NOT NULL"
ALL = (
    "(SELECT received_ns, exchange_ts_ms FROM orderbook_deltas UNION ALL "
    f"SELECT received_ns, exchange_ts_ms FROM {_TICKERS})"
)
Stamp = tuple[int, int]  # received_ns, exchange_ts_ms


class Stamps:
    """Trusted-stamp queries over every market's rows of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.p = store.placeholder

    def _rows(self, template: str, *params: object) -> list[tuple[object, ...]]:
        return self.store.sql(template.format(p=self.p), params)

    def _scalar(self, template: str, *params: object) -> int | None:
        rows = self._rows(template, *params)
        return int(rows[0][0]) if rows and rows[0][0] is not None else None  # type: ignore[call-overload]

    def first_stamped_after(self, at_ms: int) -> int | None:
        """received_ns of the first stamped frame stamped after `at_ms`: every frame
        received before it is stamped at or before `at_ms`, so it is trusted."""
        return self._scalar(
            f"SELECT min(received_ns) FROM {ALL} s WHERE exchange_ts_ms > {{p}}", at_ms
        )

    def any_until(self, received: int) -> bool:
        """Is any stamped frame received at or before `received` (an untrusted one has a
        stamp before it)?"""
        return bool(
            self._rows(f"SELECT 1 FROM {ALL} s WHERE received_ns <= {{p}} LIMIT 1", received)
        )

    def latest_until(self, received: int) -> int | None:
        """The highest stamp received at or before `received` (an untrusted one is never
        the highest)."""
        return self._scalar(
            f"SELECT max(exchange_ts_ms) FROM {ALL} s WHERE received_ns <= {{p}}", received
        )

    def first_from(self, received: int, *, strict: bool = False) -> Stamp | None:
        """The first trusted stamp received at (unless strict) or after `received`."""
        op = ">" if strict else ">="
        rows = self._rows(
            "SELECT received_ns, exchange_ts_ms FROM orderbook_deltas "
            f"WHERE received_ns {op} {{p}} ORDER BY received_ns LIMIT 1",
            received,
        )
        delta = (int(rows[0][0]), int(rows[0][1])) if rows else None  # type: ignore[call-overload]
        hi = END if delta is None else delta[0]
        between = f"{_TICKERS} AND received_ns {op} {{p}} AND received_ns < {{p}}"
        if not self._rows(f"SELECT 1 FROM {between} LIMIT 1", received, hi):
            return delta
        prior = self.latest_until(received if strict else received - 1)
        # tickers before the first trusted one in range are below `prior`: no running max
        rows = self._rows(
            f"SELECT received_ns, exchange_ts_ms FROM {between} AND exchange_ts_ms >= {{p}} "
            "ORDER BY received_ns LIMIT 1",
            received,
            hi,
            LOWEST if prior is None else prior,
        )
        return (int(rows[0][0]), int(rows[0][1])) if rows else delta  # type: ignore[call-overload]

    def last_until(self, received: int) -> int | None:
        """received_ns of the last trusted stamp received at or before `received`."""
        delta = self._scalar(
            "SELECT max(received_ns) FROM orderbook_deltas WHERE received_ns <= {p}", received
        )
        lo = -1 if delta is None else delta
        between = f"{_TICKERS} AND received_ns > {{p}} AND received_ns <= {{p}}"
        if not self._rows(f"SELECT 1 FROM {between} LIMIT 1", lo, received):
            return delta
        prior = self.latest_until(lo)
        floor = LOWEST if prior is None else prior
        trusted = self._scalar(
            "SELECT max(received_ns) FROM (SELECT received_ns, exchange_ts_ms AS ts, "
            "max(exchange_ts_ms) OVER (ORDER BY received_ns "
            "RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before "
            f"FROM {between}) t WHERE ts >= {{p}} AND (before IS NULL OR ts >= before)",
            lo,
            received,
            floor,
        )
        return delta if trusted is None else trusted
