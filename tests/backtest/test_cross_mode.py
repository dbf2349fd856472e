"""Acceptance (issue 23): candle mode and tape mode on the same simulator day.

A paper session records a simulated day (the collector's book snapshots, deltas and trades);
1-minute candles are built from that same tape by the collector's own `CandleBuilder` and
stored where candle mode reads them (source 'kalshi'). The favourite strategy (taker) then
runs in both modes. Every fill is listed and each difference must be one of the documented
kinds (docs/backtest.md, "Candle mode vs tape mode on the same day"):

- `slippage`: candle mode prices a taker at the next bar's open YES ask plus
  `FillRules.slippage` ($0.01); tape mode walks the recorded book on arrival.
Both decide at the same bar end; tape mode stamps the fill at decision + latency, candle
mode at the next bar (whose open is the quote then). Market, side and count must agree.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import msgspec
import pytest

from kalshi_tape.backtest.data.panel import Delays
from kalshi_tape.backtest.execution.candle import FillRules
from kalshi_tape.backtest.run.results import DataMode
from kalshi_tape.backtest.run.runner import BacktestConfig, run_backtest
from kalshi_tape.backtest.run.tape import TapeWindow, _book_messages, _trades
from kalshi_tape.backtest.strategies.protocol import Fill
from kalshi_tape.backtest.strategies.shipped import create_strategy
from kalshi_tape.client.stream import OrderBook
from kalshi_tape.collector.candles import CandleBuilder
from kalshi_tape.core.money import Count, Price
from kalshi_tape.paper.session import PaperConfig, run_session
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import Store, open_store
from kalshi_tape.storage.records import CandleRecord

START = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)  # midnight EST: a whole climate day
SPEED = 2400.0
PARAMS = {"hour": "10", "size": "10", "liquidity": "taker"}
LATENCY_S = Delays().order_latency
SLIPPAGE = FillRules().slippage
BAR_S = 60


@dataclass(frozen=True)
class Taken:
    """One order's fills folded: market, side, total count, first price, fill time."""

    ticker: str
    side: str
    count: Decimal
    first_price: Decimal
    ts: int

    @classmethod
    def of(cls, fills: list[Fill]) -> Taken:
        first = fills[0]
        total = sum((Decimal(f.count) for f in fills), Decimal(0))
        return cls(first.ticker, first.side, total, Decimal(first.price), first.ts)


def candles_from_tape(store: Store, tickers: list[str]) -> list[CandleRecord]:
    """The recorded tape through the collector's candle builder: quotes from the book after
    every message (at exchange time: a snapshot at the last delta's), trades as stored."""
    builder, books = CandleBuilder(), {t: OrderBook(t) for t in tickers}
    trades = deque(_trades(store, tickers, TapeWindow()))
    last_ms = 0
    for kind, item in _book_messages(store, tickers, TapeWindow()):
        if kind == "snapshot":
            ticker, yes, no, _ = item  # received on the wall clock: stamp at exchange time
            ts_ms = last_ms
            books[ticker] = OrderBook.from_levels(ticker, yes, no)
        else:
            ticker, ts_ms = item["market_ticker"], item["exchange_ts_ms"] or last_ms
            books[ticker].apply_delta(item["side"], Price(item["price"]), Decimal(item["delta"]))
        while trades and trades[0].ts_ms <= ts_ms:
            t = trades.popleft()
            builder.trade(t.ticker, t.ts_ms, Price(t.yes_price), Count(t.count))
        last_ms = max(last_ms, ts_ms)
        book = books[ticker]
        if ts_ms:
            builder.quote(ticker, ts_ms, book.best_yes_bid, book.best_yes_ask)
    for t in trades:
        builder.trade(t.ticker, t.ts_ms, Price(t.yes_price), Count(t.count))
    for ticker in tickers:
        builder.forget(ticker)
    out = builder.close_until(10**15)
    return [msgspec.structs.replace(r, source="kalshi") for r in out]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, date]]:
    """A simulated day recorded by a paper session, with candles built from its tape."""
    db = f"duckdb:///{tmp_path_factory.mktemp('cross') / 'day.duckdb'}"
    config = SimConfig(seed=3, now=START, speed=SPEED, series=("KXHIGHNY",))
    with SimServer(config) as sim, open_store(db) as store:
        settings = Settings(base_url=sim.base_url, db_url=db)
        paper = PaperConfig("KXHIGHNY", "favourite", PARAMS)
        row = asyncio.run(run_session(settings, store, paper))
    assert row.first_bar_ts is not None
    with open_store(db) as store:
        tickers = sorted(str(r[0]) for r in store.sql("SELECT ticker FROM markets"))
        assert store.candles(period_minutes=1, source="kalshi").num_rows == 0
        store.commit_chunk(candles=candles_from_tape(store, tickers))
    yield db, datetime.fromtimestamp(row.first_bar_ts, UTC).date()


def by_order(mode: DataMode, db: str, on: date) -> dict[str, Taken]:
    config = BacktestConfig("KXHIGHNY", on, on, "favourite", PARAMS, data=mode)
    with open_store(db) as store:
        result = run_backtest(store, config, strategy=create_strategy("favourite", PARAMS))
    orders: dict[str, list[Fill]] = {}
    for run in result.events:
        for fill in run.result.fills:
            orders.setdefault(run.result.event_ticker, []).append(fill)
    return {event: Taken.of(fills) for event, fills in orders.items()}


def difference(candle: Taken, tape: Taken) -> str:
    """The documented kind of the difference between one order's fills; AssertionError for
    any other. Both modes decide at a bar end; tape mode stamps the fill on arrival
    (decision + latency), candle mode at the next bar, whose open is the quote then."""
    assert tape.ts % BAR_S == LATENCY_S and candle.ts % BAR_S == 0, (candle, tape)
    assert candle.ts - BAR_S == tape.ts - LATENCY_S, (candle, tape)  # the same decision bar
    assert (candle.ticker, candle.side, candle.count) == (tape.ticker, tape.side, tape.count)
    if candle.first_price == tape.first_price:
        return "same"
    if candle.first_price == tape.first_price + SLIPPAGE:
        return "slippage"  # candle mode adds FillRules.slippage to the bar's open ask
    raise AssertionError(f"undocumented difference: {candle} vs {tape}")


def test_the_favourite_fills_alike_in_candle_and_tape_mode(recorded: tuple[str, date]) -> None:
    db, on = recorded
    candle, tape = by_order("candles", db, on), by_order("tape", db, on)
    assert candle and sorted(candle) == sorted(tape)
    kinds = {event: difference(candle[event], tape[event]) for event in candle}
    assert set(kinds.values()) <= {"same", "slippage"}, kinds
