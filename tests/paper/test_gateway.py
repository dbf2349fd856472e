"""The one plug point: `PaperEngine` hands every order to its `OrderGateway`; by default the
simulated one, which is the backtest's depth fill model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from kalshi_tape.backtest.data.panel import EventMeta
from kalshi_tape.backtest.execution.book import BookFills
from kalshi_tape.backtest.execution.fees import FeeSchedule
from kalshi_tape.backtest.strategies.protocol import BarState, Order
from kalshi_tape.client.stream import OrderBook
from kalshi_tape.core.money import Count, Price
from kalshi_tape.paper.engine import PaperEngine
from kalshi_tape.paper.gateway import Placement, SimulatedGateway
from kalshi_tape.reference.brackets import Bracket

T0 = 1_800_000_000 - 1_800_000_000 % 60
META = EventMeta(
    "KXHIGHNY-27JAN15", "KXHIGHNY", ("L", "H"),
    (Bracket("L", "less", None, Decimal(50), False, False),
     Bracket("H", "greater", Decimal(49), None, False, False)),
    FeeSchedule(), T0 + 3600, T0, T0 + 3700, None,
)  # fmt: skip


@dataclass
class TakeFirst:
    name: str = "take_first"

    def on_bar(self, state: BarState) -> Sequence[Order]:
        return [Order("L", "yes", "buy", Count("5"))] if state.index == 0 else []


@dataclass
class Recording(SimulatedGateway):
    """A gateway that records what it was asked to place (a live one would send it)."""

    placed: list[tuple[str, Order]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def place(
        self, order_id: str, order: Order, event_ticker: str, book: OrderBook | None, ts: int,
        bar: int, fees: FeeSchedule, decided_ts: int | None = None, arrived_ms: int = -1,
    ) -> Placement:  # fmt: skip
        self.placed.append((order_id, order))
        return super().place(order_id, order, event_ticker, book, ts, bar, fees, decided_ts,
                             arrived_ms)  # fmt: skip


def feed(engine: PaperEngine) -> None:
    """YES asks 0.43 x 3, 0.45 x 4 on L; deltas over three minutes close two bars."""
    no = [(Price("0.55"), Count("4")), (Price("0.57"), Count("3"))]
    engine.on_snapshot("L", [(Price("0.40"), Count("10"))], no)
    for i in range(6):
        engine.on_delta("L", "yes", Price("0.05"), Decimal(1), (T0 + 10 + 30 * i) * 1000)


def test_the_default_gateway_is_the_backtests_depth_model() -> None:
    engine = PaperEngine([META], TakeFirst())
    assert isinstance(engine.gateway, SimulatedGateway) and isinstance(engine.gateway, BookFills)


def test_orders_go_to_the_gateway_given() -> None:
    gateway = Recording()
    engine = PaperEngine([META], TakeFirst(), gateway=gateway)
    feed(engine)
    assert [(i, o.ticker, o.count) for i, o in gateway.placed] == [("o000001", "L", Count("5"))]
    fills = [(Decimal(f.fill.count), Decimal(f.fill.price)) for f in engine.fills]
    assert fills == [(Decimal(3), Decimal("0.43")), (Decimal(2), Decimal("0.45"))]
