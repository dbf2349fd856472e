"""The one execution core (backtest/execution) as the book engine and paper trading use it:
the recorded book stays the recorded one, bars take nothing received after their end, fees
round once per order, and cost per fill does not grow with the fills made."""

from __future__ import annotations

import ast
import itertools
from datetime import UTC, datetime
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

import pytest

from kalshi_tape.backtest.execution.book import BookFills, TapeTrade
from kalshi_tape.backtest.execution.bookengine import BookEngine
from kalshi_tape.backtest.execution.fees import FeeSchedule
from kalshi_tape.backtest.strategies.protocol import Order
from kalshi_tape.core.money import Count, Price
from kalshi_tape.paper.engine import PaperEngine
from tests.backtest.execution_helpers import (
    T0_MS,
    TICKER,
    Message,
    Scripted,
    feed,
    levels,
    meta,
    recorded_book,
)

S0 = T0_MS // 1000
BOOK = (levels(("0.40", "10")), levels(("0.55", "4"), ("0.57", "3")), None)


def take(count: str) -> Order:
    return Order(TICKER, "yes", "buy", Count(count))


def test_our_taker_fill_never_corrupts_the_recorded_book() -> None:
    """Defect 2: a real delta removing the size we took must not underflow and clear the book."""
    messages: list[Message] = [
        ("snap", BOOK),
        ("delta", ("yes", "0.30", "1", T0_MS + 1_000)),
        ("delta", ("yes", "0.30", "1", T0_MS + 61_500)),  # closes bar 0; our take of 5 arrives
        ("delta", ("no", "0.57", "-3", T0_MS + 62_000)),  # the real taker of that level
        ("delta", ("no", "0.55", "-1", T0_MS + 63_000)),
    ]
    engine = BookEngine([meta()], Scripted({0: [take("5")]}))
    feed(engine, messages)
    assert [(f.fill.price, f.fill.count) for f in engine.fills] == [
        (Price("0.43"), Count("3")),
        (Price("0.45"), Count("2")),
    ]
    want = recorded_book(messages)
    book = engine.books[TICKER]
    assert (book.yes, book.no) == (want.yes, want.no)
    assert book.no == {Price("0.55"): Decimal(3)}
    visible = engine.overlay.visible(book)  # one of our 2 lots at 0.55 still hidden
    assert visible.no == {Price("0.55"): Decimal(2)}


def test_a_snapshot_clears_the_overlay() -> None:
    engine = BookEngine([meta()], Scripted({0: [take("5")]}))
    feed(engine, [("snap", BOOK), ("delta", ("yes", "0.30", "1", T0_MS + 1_000)),
                  ("delta", ("yes", "0.30", "1", T0_MS + 62_000))])  # fmt: skip
    assert engine.overlay.taken
    feed(engine, [("snap", (*BOOK[:2], T0_MS + 62_000))])
    assert not engine.overlay.taken


def test_a_snapshot_received_after_a_bar_end_does_not_set_its_close() -> None:
    """Defect 3: bars advance on snapshots too."""
    strategy = Scripted()
    engine = BookEngine([meta()], strategy)
    feed(engine, [
        ("delta", ("yes", "0.30", "1", T0_MS + 1_000)),
        ("snap", (levels(("0.45", "5")), levels(("0.50", "5")), T0_MS + 61_000)),
        ("delta", ("yes", "0.30", "1", T0_MS + 62_000)),
        ("delta", ("yes", "0.30", "1", T0_MS + 125_000)),
    ])  # fmt: skip
    assert strategy.seen[0][:2] == (S0 + 60, 0.30)
    assert strategy.seen[1][:3] == (S0 + 120, 0.45, 0.50)


def _tape(perturb: bool) -> list[Message]:
    """Five bars of deltas and trades; `perturb` changes everything after the end of bar 2."""
    out: list[Message] = [("snap", BOOK)]
    for i in range(1, 30):
        ts = T0_MS + i * 10_000 + 1_500  # fills are stamped in whole seconds
        late = ts > T0_MS + 180_000
        size = "7" if (perturb and late) else "1"
        out.append(("delta", ("yes", "0.38" if (perturb and late) else "0.39", size, ts)))
        price = "0.35" if (perturb and late) else "0.41"
        out.append(("trade", TapeTrade(ts + 1, f"t{i}", TICKER, Decimal(price), Decimal(size))))
    if perturb:
        out.insert(37, ("snap", (levels(("0.20", "50")), levels(("0.70", "50")), T0_MS + 180_001)))
    return out


@pytest.mark.parametrize("engine_class", [BookEngine, PaperEngine])
def test_perturbing_the_tape_after_t_changes_nothing_at_or_before_t(
    engine_class: type[BookEngine],
) -> None:
    """Look-ahead: tape mode and paper mode driven from a recorded tape."""
    plan = {k: [take("2"), Order(TICKER, "yes", "buy", Count("3"), "maker", Price("0.41"), 3)]
            for k in range(6)}  # fmt: skip
    runs = []
    for perturb in (False, True):
        strategy = Scripted(plan)
        engine = engine_class([meta()], strategy)
        feed(engine, _tape(perturb))
        fills = [(f.order_id, f.fill) for f in engine.fills if f.fill.ts <= S0 + 180]
        runs.append(([s for s in strategy.seen if s[0] <= S0 + 180], fills))
    assert runs[0][0] and runs[0][1]
    assert runs[0] == runs[1]


@pytest.mark.parametrize(
    ("day", "maker_total", "taker_total"),
    [
        (datetime(2026, 5, 1, 16, tzinfo=UTC), "0.44", "1.75"),  # cent era: once per order
        (datetime(2026, 11, 20, 16, tzinfo=UTC), "0.4375", "1.7487"),  # centicent era
    ],
)
def test_fee_table_partial_fills_round_once_per_order(
    day: datetime, maker_total: str, taker_total: str
) -> None:
    """Defect 5: a maker buying 100 at $0.50 filled 30 + 30 + 40 pays the fee of one fill
    of 100 (per-fill rounding: $0.46 / $0.4376); a taker walking three levels likewise."""
    fees = FeeSchedule("quadratic_with_maker_fees")
    ts_ms = int(day.timestamp() * 1000)
    gateway = BookFills()
    maker = Order(TICKER, "yes", "buy", Count("100"), "maker", Price("0.50"), 5)
    assert gateway.place("m1", maker, "E", None, ts_ms // 1000, 0, fees).status == "resting"
    prints = [TapeTrade(ts_ms + i, f"t{i}", TICKER, Decimal("0.49"), Decimal(n))
              for i, n in enumerate((30, 30, 40))]  # fmt: skip
    made = [fill for trade in prints for _, fill in gateway.on_trades([trade], {"E": fees})]
    assert [f.count for f in made] == [Count(30), Count(30), Count(40)]
    assert sum(f.fee for f in made) == Decimal(maker_total)
    assert [f.filled_by for f in made] == ["t0", "t1", "t2"]
    asks = levels(("0.50", "30"), ("0.49", "30"), ("0.48", "40"))  # NO bids: YES asks .50-.52
    book = recorded_book([("snap", (levels(("0.40", "1")), asks, None))])
    taken = gateway.place("k1", take("100"), "E", book, ts_ms // 1000, 0, fees).fills
    exact = Decimal("0.07") * sum(Decimal(f.count) * f.price * (1 - f.price) for f in taken)
    assert sum(f.fee for f in taken) == Decimal(taker_total)
    quantum = Decimal("0.01") if day.year == 2026 and day.month < 7 else Decimal("0.0001")
    assert Decimal(taker_total) == exact.quantize(quantum, ROUND_CEILING)


def test_the_tape_replay_takes_trades_in_constant_time() -> None:
    """Defect 6: no list.pop(0) (400k pops took 15 s); the replay walks a deque."""
    source = Path("src/kalshi_tape/backtest/run/tape.py").read_text()
    pops = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "pop"
        and [getattr(a, "value", None) for a in node.args] == [0]
    ]
    assert pops == []


def test_fill_numbers_and_cash_are_kept_as_fills_are_booked() -> None:
    """Defect 6: each fill's number within its order and the running cash, without recounts."""
    engine = BookEngine([meta()], Scripted({0: [take("5"), take("2")]}))
    feed(engine, [("snap", BOOK), ("delta", ("yes", "0.30", "1", T0_MS + 1_000)),
                  ("delta", ("yes", "0.30", "1", T0_MS + 62_000))])  # fmt: skip
    assert [(f.order_id, f.n) for f in engine.fills] == [
        ("o000001", 1), ("o000001", 2), ("o000002", 1),
    ]  # fmt: skip
    running = Decimal(0)
    for entry in engine.fills:
        running += entry.fill.cash_delta
        assert entry.cash_after == running
    assert engine.cash == running


@pytest.mark.parametrize("engine_class", [BookEngine, PaperEngine])
def test_bars_follow_the_configured_period(engine_class: type[BookEngine]) -> None:
    """Defect 7: no hard-coded 60-second bars in the book engine and paper trading."""
    strategy = Scripted()
    engine = engine_class([meta()], strategy, bar_s=300)
    feed(engine, [("delta", ("yes", "0.30", "1", T0_MS + i * 61_000 + 1)) for i in range(17)])
    ends = [s[0] for s in strategy.seen]
    assert len(ends) == 3 and all(end % 300 == 0 for end in ends)
    assert [b - a for a, b in itertools.pairwise(ends)] == [300, 300]


def test_orders_reach_the_book_after_the_order_latency() -> None:
    """Defect 4: one latency model. A taker decided at a bar end meets the book as it is one
    second later (`Delays.order_latency`, as in candle mode), not the book at the decision."""
    strategy = Scripted({0: [take("5")]})
    engine = BookEngine([meta()], strategy)
    feed(engine, [
        ("snap", BOOK),
        ("delta", ("yes", "0.30", "1", T0_MS + 1_000)),
        ("delta", ("no", "0.57", "-3", T0_MS + 60_500)),  # closes bar 0 (decision at 60 s)
        ("delta", ("no", "0.56", "5", T0_MS + 60_900)),  # before our order arrives (61 s)
        ("delta", ("yes", "0.30", "1", T0_MS + 61_500)),
    ])  # fmt: skip
    (entry,) = engine.fills
    assert (entry.fill.price, entry.fill.count) == (Price("0.44"), Count("5"))
    assert (entry.fill.decided_ts, entry.fill.arrived_ts) == (S0 + 60, S0 + 61)
