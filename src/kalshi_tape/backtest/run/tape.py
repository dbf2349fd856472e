"""The tape data mode of the backtest: a strategy over the recorded L2 order book and
trades in the warehouse, filled by the depth model (`execution.book`) through the book engine
(`execution.bookengine`), the same engine paper trading runs live.

Messages are fed in the order they arrived: book messages by our receive clock (snapshots
and deltas), each trade just before the first delta stamped (exchange time) at or after
it, so it lands in the bar it landed in live; trades after the last delta come last.

By default every recorded snapshot and delta of the selected events' markets is used, and
their stored trades from a bar before the first recorded delta to a bar after the last
(trades outside, e.g. backfilled, have no recorded book to trade against). The book and
the trades should be recorded together (`ktape collect`, `ktape paper`). A `TapeWindow`
sets both spans explicitly (paper reports use their session's).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from kalshi_tape.backtest.data.load import list_events
from kalshi_tape.backtest.execution.book import TapeTrade
from kalshi_tape.backtest.execution.bookengine import (
    ORDER_LATENCY_S,
    BookEngine,
    EventTrack,
    settle,
)
from kalshi_tape.backtest.execution.events import (
    BAR_S,
    BacktestInputError,
    EventMeta,
    event_meta,
    fee_schedule,
)
from kalshi_tape.backtest.run.candle_loop import EventResult, Probabilities
from kalshi_tape.backtest.run.results import BacktestConfig, BacktestResult, EventRun
from kalshi_tape.backtest.signals.features import FeatureParams, compute_features
from kalshi_tape.backtest.strategies.protocol import Strategy
from kalshi_tape.backtest.strategies.shipped import create_strategy
from kalshi_tape.core.money import Count, Price
from kalshi_tape.storage import Store

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BAR_MS = BAR_S * 1000


@dataclass(frozen=True, slots=True)
class TapeWindow:
    """Book messages received in [from_ns, to_ns] (our clock), trades printed in
    [trades_from_ms, trades_to_ms] (exchange time); None = unbounded."""

    from_ns: int | None = None
    to_ns: int | None = None
    trades_from_ms: int | None = None
    trades_to_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Replayed:
    engine: BookEngine
    pnl: Decimal
    settled: bool
    results: dict[str, bool]
    book_messages: int  # snapshots and deltas replayed


def run_tape(
    store: Store,
    config: BacktestConfig,
    strategy: Strategy | None = None,
    window: TapeWindow | None = None,
) -> BacktestResult:
    """The backtest of `config` in tape mode (`run_backtest` with `data="tape"`)."""
    strategy = strategy or create_strategy(config.strategy, config.params)
    fees = fee_schedule(store, config.series)
    metas = [
        event_meta(store, e, fees)
        for e in list_events(store, config.series, config.start, config.end)
    ]
    replayed = replay_tape(
        store, metas, strategy, window or TapeWindow(), config.features, config.bar_s,
        config.delays.order_latency,
    )  # fmt: skip
    if replayed.book_messages == 0:
        raise BacktestInputError(
            f"no recorded order-book tape for {config.series} between {config.start} and "
            f"{config.end}: record it with ktape collect (or ktape paper) first"
        )
    return tape_result(config, replayed)


def replay_tape(
    store: Store,
    metas: Sequence[EventMeta],
    strategy: Strategy,
    window: TapeWindow,
    features: FeatureParams | None = None,
    bar_s: int = BAR_S,
    latency_s: int = ORDER_LATENCY_S,
) -> Replayed:
    """Feed the recorded tape of `metas`' markets to a `BookEngine`; value the result."""
    engine = BookEngine(metas, strategy, features=features, bar_s=bar_s, latency_s=latency_s)
    tickers = [t for m in metas for t in m.tickers]
    messages = list(_book_messages(store, tickers, window))
    found = _trades(store, tickers, window)
    if window.trades_from_ms is None and window.trades_to_ms is None:
        lo, hi = _recording_span_ms(messages)
        found = [t for t in found if lo <= t.ts_ms <= hi]
    _feed(engine, messages, deque(found))
    results = _results(store, tickers)
    value, settled = Decimal(0), True
    for track in engine.events.values():
        part, done = settle(track, results)
        value, settled = value + part, settled and done
    return Replayed(engine, engine.cash + value, settled, results, len(messages))


def _feed(
    engine: BookEngine, messages: Sequence[tuple[str, Any]], trades: deque[TapeTrade]
) -> None:
    """Messages in arrival order; each trade just before the first delta stamped at or after
    it (O(1) per trade: a deque); snapshots carry their receive time (ms). Prices are
    parsed once per distinct value (a day has a few hundred)."""
    prices: dict[Any, Price] = {}
    for kind, item in messages:
        if kind == "delta":
            ts_ms = item["exchange_ts_ms"]
            while trades and ts_ms is not None and trades[0].ts_ms <= ts_ms:
                engine.on_trade(trades.popleft())
            raw = item["price"]
            price = prices.get(raw)
            if price is None:
                price = prices[raw] = Price(raw)
            engine.on_delta(item["market_ticker"], item["side"], price,
                            Decimal(item["delta"]), ts_ms)  # fmt: skip
        else:
            engine.on_snapshot(*item)
    while trades:
        engine.on_trade(trades.popleft())


def _recording_span_ms(messages: Sequence[tuple[str, Any]]) -> tuple[int, int]:
    """Exchange-time span (ms) of the recorded deltas, widened by a bar each side: trades
    outside it were not recorded with the book (e.g. backfilled) and are left out."""
    stamps = [int(i["exchange_ts_ms"]) for k, i in messages if k == "delta" and i["exchange_ts_ms"]]
    if not stamps:
        return 0, -1
    return (min(stamps) // BAR_MS - 1) * BAR_MS, (max(stamps) // BAR_MS + 2) * BAR_MS


def tape_result(config: BacktestConfig, replayed: Replayed) -> BacktestResult:
    """A replay as a `BacktestResult` (one `EventRun` per event with bars)."""
    engine = replayed.engine
    runs = tuple(
        _event_run(track, replayed.results, engine.features)
        for track in engine.events.values()
        if track.n
    )
    return BacktestResult(config, runs, False)


def _event_run(track: EventTrack, results: Mapping[str, bool], params: FeatureParams) -> EventRun:
    panel = track.panel()
    features = compute_features(panel, params)
    market = features["p_norm"]
    probs = Probabilities(market, None, market, np.full(len(panel.ts), np.nan))
    value, settled = settle(track, results)
    by_ticker: dict[str, Decimal] = {}
    for fill in track.ledger.fills:
        by_ticker[fill.ticker] = by_ticker.get(fill.ticker, Decimal(0)) + fill.cash_delta
    result = EventResult(
        track.meta.event_ticker, tuple(track.ledger.fills), np.array(track.equity), panel.ts,
        value, track.ledger.cash + value, by_ticker, settled,
    )  # fmt: skip
    return EventRun(panel, features, probs, market, "none", result)


def _between(store: Store, column: str, lo: object, hi: object) -> tuple[str, list[object]]:
    """SQL condition and parameters for `lo <= column <= hi` (a None bound is open)."""
    parts, params = [], []
    for op, bound in ((">=", lo), ("<=", hi)):
        if bound is not None:
            parts.append(f" AND {column} {op} {store.placeholder}")
            params.append(bound)
    return "".join(parts), params


def _book_messages(
    store: Store, tickers: list[str], window: TapeWindow
) -> Iterator[tuple[str, Any]]:
    marks = ", ".join([store.placeholder] * len(tickers))
    extra, bounds = _between(store, "received_ns", window.from_ns, window.to_ns)
    where, params = f"market_ticker IN ({marks}){extra}", [*tickers, *bounds]
    snaps = store.sql(
        "SELECT market_ticker, received_ns, side, price, quantity FROM orderbook_snapshots "
        f"WHERE {where} ORDER BY received_ns, market_ticker, side, price",
        params,
    )
    grouped: dict[tuple[str, int], dict[str, list[tuple[Price, Count]]]] = {}
    for ticker, received, side, price, quantity in snaps:
        levels = grouped.setdefault((ticker, received), {"yes": [], "no": []})
        levels[side].append((Price(price), Count(quantity)))
    deltas = store.sql(
        "SELECT received_ns, sid, seq, market_ticker, side, price, delta, exchange_ts_ms "
        f"FROM orderbook_deltas WHERE {where} "
        "AND book_state IS DISTINCT FROM 'awaiting_snapshot' ORDER BY received_ns, sid, seq",
        params,
    )
    items: list[tuple[int, int, str, Any]] = [
        (received, 0, "snapshot", (ticker, levels["yes"], levels["no"], received // 10**6))
        for (ticker, received), levels in grouped.items()
    ]
    names = ("received_ns", "sid", "seq", "market_ticker", "side", "price", "delta")
    for row in deltas:
        values = dict(zip((*names, "exchange_ts_ms"), row, strict=True))
        items.append((row[0], 1, "delta", values))
    items.sort(key=lambda x: (x[0], x[1]))
    for _, _, kind, item in items:
        yield kind, item


def _utc(ms: int | None) -> datetime | None:
    return None if ms is None else EPOCH + timedelta(milliseconds=ms)


def _trades(store: Store, tickers: list[str], window: TapeWindow) -> list[TapeTrade]:
    marks = ", ".join([store.placeholder] * len(tickers))
    lo, hi = _utc(window.trades_from_ms), _utc(window.trades_to_ms)
    extra, bounds = _between(store, "created_time", lo, hi)
    rows = store.sql(
        "SELECT created_time, trade_id, market_ticker, yes_price, count FROM trades "
        f"WHERE market_ticker IN ({marks}){extra}",
        [*tickers, *bounds],
    )
    trades = [
        TapeTrade(
            (created - EPOCH) // timedelta(milliseconds=1),
            str(trade_id),
            str(ticker),
            Decimal(price),
            Decimal(count),
        )
        for created, trade_id, ticker, price, count in rows
    ]
    return sorted(trades, key=lambda t: (t.ts_ms, t.trade_id))


def _results(store: Store, tickers: list[str]) -> dict[str, bool]:
    marks = ", ".join([store.placeholder] * len(tickers))
    rows = store.sql(f"SELECT ticker, result FROM markets WHERE ticker IN ({marks})", tickers)
    return {str(t): r == "yes" for t, r in rows if r in ("yes", "no")}
