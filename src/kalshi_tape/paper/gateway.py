"""Where paper orders go: the `OrderGateway` protocol and the simulated gateway.

This is the single place a real order gateway would plug in: an object with `place`
(a new order at the decision moment, returning what filled at once and whether it rests),
`on_trades` (fills of resting orders) and `end_bar` (queue upkeep, expiries). The paper
engine takes any `OrderGateway`; it is the execution core's `book.FillModel` protocol, so a
real gateway is also usable by the book engine.

`SimulatedGateway` executes against the live book instead of the exchange, with the
backtest's own depth fill model (`backtest.execution.book.BookFills`: takers walk the depth,
makers wait behind the estimated queue; fees from `backtest.execution.fees`), so a paper session and
a tape-mode backtest of the same recorded data fill identically.
"""

from __future__ import annotations

from typing import Protocol

from kalshi_tape.backtest.execution.book import (
    BookFills,
    BookMaker,
    FillModel,
    Placement,
    TapeTrade,
    queue_at,
    taker_levels,
    yes_limit,
)

__all__ = [
    "BookMaker",
    "OrderGateway",
    "Placement",
    "SimulatedGateway",
    "TapeTrade",
    "queue_at",
    "taker_levels",
    "yes_limit",
]


class OrderGateway(FillModel, Protocol):
    """What the paper engine hands orders to (a live gateway would talk to the exchange)."""


class SimulatedGateway(BookFills):
    """Executes paper orders against the live book and the public trade prints."""
