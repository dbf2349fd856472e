"""A one-market event and a feed of book messages for execution-core tests (no database)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kalshi_tape.backtest.data.panel import EventMeta
from kalshi_tape.backtest.execution.book import TapeTrade
from kalshi_tape.backtest.execution.bookengine import BookEngine
from kalshi_tape.backtest.execution.fees import FeeSchedule
from kalshi_tape.backtest.strategies.protocol import BarState, Order
from kalshi_tape.client.stream import OrderBook
from kalshi_tape.core.money import Count, Price
from kalshi_tape.reference.brackets import Bracket

TICKER = "KXHIGHNY-26NOV20-B57.5"
EVENT = "KXHIGHNY-26NOV20"
T0_MS = 1_795_149_960_000  # 2026-11-20 (centicent era), a multiple of 60 s
MAKER_FEES = FeeSchedule("quadratic_with_maker_fees")


def meta(fees: FeeSchedule = MAKER_FEES, close_ts: int = T0_MS // 1000 + 86400) -> EventMeta:
    bracket = Bracket(TICKER, "between", Decimal(57), Decimal(58), True, True)
    return EventMeta(EVENT, "KXHIGHNY", (TICKER,), (bracket,), fees, close_ts,
                     close_ts - 86400, close_ts + 3600, (True,))  # fmt: skip


@dataclass
class Scripted:
    """Places `plan[k]` at bar k; records what each bar's state showed."""

    plan: dict[int, list[Order]] = field(default_factory=dict)
    name: str = "scripted"
    seen: list[tuple[int, float, float, float]] = field(default_factory=list)

    def on_bar(self, state: BarState) -> Sequence[Order]:
        self.seen.append((state.ts, float(state.yes_bid[0]), float(state.yes_ask[0]),
                          float(state.volume[0])))  # fmt: skip
        return self.plan.get(state.index, [])


Message = tuple[str, Any]  # ("snap", (yes, no, ts_ms)) | ("delta", (...)) | ("trade", ...)


def levels(*pairs: tuple[str, str]) -> list[tuple[Price, Count]]:
    return [(Price(p), Count(s)) for p, s in pairs]


def feed(engine: BookEngine, messages: Sequence[Message],
         after: Callable[[Message], None] | None = None) -> None:  # fmt: skip
    for kind, item in messages:
        if kind == "snap":
            yes, no, ts_ms = item
            if ts_ms is None:  # a snapshot before the clock starts
                engine.on_snapshot(TICKER, yes, no)
            else:
                engine.on_snapshot(TICKER, yes, no, ts_ms)
        elif kind == "delta":
            side, price, delta, ts_ms = item
            engine.on_delta(TICKER, side, Price(price), Decimal(delta), ts_ms)
        else:
            assert isinstance(item, TapeTrade)
            engine.on_trade(item)
        if after is not None:
            after((kind, item))


def recorded_book(messages: Sequence[Message]) -> OrderBook:
    """The public book the messages describe, built without any engine."""
    book = OrderBook(TICKER)
    for kind, item in messages:
        if kind == "snap":
            yes, no, _ = item
            book = OrderBook.from_levels(TICKER, yes, no)
        elif kind == "delta":
            side, price, delta, _ = item
            book.apply_delta(side, Price(price), Decimal(delta))
    return book
