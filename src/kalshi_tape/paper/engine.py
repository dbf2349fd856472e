"""The paper-trading bar loop: the execution core's book engine
(`backtest.execution.bookengine`) on the live feed, orders sent to an `OrderGateway` (by
default the simulated one, which fills with the backtest's depth model).

Live (`session`) and in a tape-mode backtest of what the session recorded
(`backtest.tape`) the same engine class gets the same messages in the same order, so both
give the same fills. Paper imports only the execution core (`backtest.execution`) and the
public strategy API (`kalshi_tape.strategy`), not backtest internals (tests/test_rooms.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kalshi_tape.backtest.execution.bookengine import (
    BookEngine,
    EventTrack,
    FillEntry,
    OrderEntry,
    settle,
)
from kalshi_tape.backtest.execution.events import BAR_S, EventMeta
from kalshi_tape.paper.gateway import OrderGateway, SimulatedGateway
from kalshi_tape.strategy import Strategy

__all__ = ["EventTrack", "FillEntry", "OrderEntry", "PaperEngine", "settle"]


class PaperEngine(BookEngine):
    """The `BookEngine` (fed and read the same way) with its orders sent to `gateway`
    (default: the simulated one) and the default features."""

    def __init__(
        self,
        metas: Sequence[EventMeta],
        strategy: Strategy,
        gateway: OrderGateway | None = None,
        now_ns: Callable[[], int] | None = None,
        bar_s: int = BAR_S,
    ) -> None:
        gateway = gateway or SimulatedGateway()
        super().__init__(metas, strategy, gateway, None, now_ns, bar_s)
