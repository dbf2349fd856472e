"""Properties of the execution core over random tapes and random order sets: no print fills
more than its size, the public book stays the recorded one at every snapshot and message,
and cash, positions and fees reconcile exactly with the fills and settlement."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_tape.backtest.execution.book import TapeTrade
from kalshi_tape.backtest.execution.bookengine import BookEngine, settle
from kalshi_tape.backtest.execution.fees import fee_quantum, trade_date_of
from kalshi_tape.backtest.strategies.protocol import Fill, Order
from kalshi_tape.client.stream import OrderBook
from kalshi_tape.core.money import Count, Price
from tests.backtest.execution_helpers import (
    MAKER_FEES,
    T0_MS,
    TICKER,
    Message,
    Scripted,
    feed,
    levels,
    meta,
)

YES_PRICES = [f"0.{n}" for n in range(35, 46)]
NO_PRICES = [f"0.{n}" for n in range(50, 61)]


@st.composite
def tapes(draw: st.DrawFn) -> list[Message]:
    """A snapshot, then deltas that never underflow the recorded book, trades and snapshots."""
    book = {"yes": {"0.40": 10}, "no": {"0.55": 4, "0.57": 3}}
    out: list[Message] = [("snap", _snap(book, None))]
    ts = T0_MS + 1_000
    for i in range(draw(st.integers(5, 60))):
        ts += draw(st.integers(1, 40_000))
        kind = draw(st.sampled_from(["delta", "delta", "trade", "snap"]))
        if kind == "trade":
            price, size = draw(st.sampled_from(YES_PRICES)), draw(st.integers(1, 12))
            out.append(("trade", TapeTrade(ts, f"t{i}", TICKER, Decimal(price), Decimal(size))))
        elif kind == "snap":
            book = {"yes": {draw(st.sampled_from(YES_PRICES)): draw(st.integers(1, 9))},
                    "no": {draw(st.sampled_from(NO_PRICES)): draw(st.integers(1, 9))}}  # fmt: skip
            out.append(("snap", _snap(book, ts)))
        else:
            side = draw(st.sampled_from(["yes", "no"]))
            price = draw(st.sampled_from(YES_PRICES if side == "yes" else NO_PRICES))
            delta = max(draw(st.integers(-9, 9)), -book[side].get(price, 0)) or 1
            book[side][price] = book[side].get(price, 0) + delta
            out.append(("delta", (side, price, str(delta), ts)))
    return out


def _snap(book: dict[str, dict[str, int]], ts: int | None) -> tuple[object, ...]:
    yes = levels(*((p, str(s)) for p, s in book["yes"].items() if s > 0))
    no = levels(*((p, str(s)) for p, s in book["no"].items() if s > 0))
    return (yes, no, ts)


orders = st.builds(
    Order,
    ticker=st.just(TICKER),
    side=st.sampled_from(["yes", "no"]),
    action=st.sampled_from(["buy", "sell"]),
    count=st.integers(1, 15).map(lambda n: Count(n)),
    liquidity=st.sampled_from(["taker", "maker"]),
    limit=st.sampled_from(["0.38", "0.42", "0.45", "0.55", "0.60"]).map(Price),
    ttl_bars=st.integers(1, 3),
)
plans = st.dictionaries(st.integers(0, 30), st.lists(orders, max_size=3), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tape=tapes(), plan=plans, won=st.booleans())
def test_random_tapes_and_orders_fill_within_prints_and_reconcile(
    tape: list[Message], plan: dict[int, list[Order]], won: bool
) -> None:
    engine = BookEngine([meta(MAKER_FEES)], Scripted(plan))
    recorded = [OrderBook(TICKER)]

    def check(message: Message) -> None:  # the public book after every message
        kind, item = message
        if kind == "snap":
            yes, no, _ = item
            recorded[0] = OrderBook.from_levels(TICKER, yes, no)
        elif kind == "delta":
            side, price, delta, _ = item
            recorded[0].apply_delta(side, Price(price), Decimal(delta))
        book = engine.books.get(TICKER, OrderBook(TICKER))
        assert (book.yes, book.no) == (recorded[0].yes, recorded[0].no)

    feed(engine, tape, check)
    sizes = {t.trade_id: t.count for kind, t in tape if isinstance(t, TapeTrade)}
    used: dict[str, Decimal] = {}
    for entry in engine.fills:
        if entry.fill.liquidity == "maker":
            used[entry.fill.filled_by] = used.get(entry.fill.filled_by, Decimal(0)) + Decimal(
                entry.fill.count
            )
    assert all(used[t] <= sizes[t] for t in used)
    _reconciles(engine, won)


def _reconciles(engine: BookEngine, won: bool) -> None:
    fills = [e.fill for e in engine.fills]
    assert engine.cash == sum((f.cash_delta for f in fills), Decimal(0))
    (track,) = engine.events.values()
    held = track.ledger.position.get(TICKER, Decimal(0))
    assert held == sum((f.yes_delta for f in fills), Decimal(0))
    value, settled = settle(track, {TICKER: won})
    assert settled and value == (held if won else Decimal(0))
    by_order: dict[str, list[Fill]] = {}
    for f in fills:
        by_order.setdefault(f.order_id, []).append(f)
    for order_id, mine in by_order.items():
        rate = MAKER_FEES.maker_rate if mine[0].liquidity == "maker" else MAKER_FEES.taker_rate
        exact = sum((rate * Decimal(f.count) * f.price * (1 - f.price) for f in mine), Decimal(0))
        quantum = fee_quantum(trade_date_of(mine[-1].ts))
        paid = sum((f.fee for f in mine), Decimal(0))
        assert paid == exact.quantize(quantum, ROUND_CEILING), order_id
