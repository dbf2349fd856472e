"""Read one series' events from the warehouse into panels (candles first, else snapshots).

Per event (its markets and fee terms: `execution.events`): 1-minute Kalshi candles when
stored, otherwise market_snapshots (collector or `ktape import quotes`) plus trades; settlement
from each market's `result`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa

from kalshi_tape.backtest.data.panel import (
    CandleRows,
    Delays,
    Panel,
    QuoteRows,
    TradeRows,
    minute_grid,
    panel_from_candles,
    panel_from_quotes,
)
from kalshi_tape.backtest.execution.events import BAR_S, BacktestInputError, EventMeta
from kalshi_tape.parse.tickers import event_date
from kalshi_tape.storage import Store


def list_events(store: Store, series: str, start: date, end: date) -> list[str]:
    """Event tickers of `series` whose climate day lies in [start, end], in date order."""
    if start > end:
        raise BacktestInputError(f"--start {start} is after --end {end}")
    ph = store.placeholder
    rows = store.sql(
        f"SELECT event_ticker FROM events WHERE series_ticker = {ph} ORDER BY event_ticker",
        [series],
    )
    events = [str(r[0]) for r in rows]
    picked = [e for e in events if (d := event_date(e)) is not None and start <= d <= end]
    if not picked:
        raise BacktestInputError(
            f"no {series} events between {start} and {end} in the warehouse "
            f"({len(events)} {series} events stored); backfill or import them first"
        )
    return sorted(picked, key=lambda e: (event_date(e), e))


def _floats(table: pa.Table, name: str) -> Any:
    """A decimal column as float64 (analytics only), NULL -> NaN."""
    column = table.column(name).cast(pa.float64())
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)


def _secs(table: pa.Table, name: str) -> Any:
    """A timestamp column as Unix seconds (float64)."""
    micros = table.column(name).cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    return np.asarray(micros.to_numpy(zero_copy_only=False), dtype=np.float64) / 1e6


def read_candle_rows(store: Store, meta: EventMeta) -> CandleRows | None:
    """The event's stored 1-minute Kalshi candles, or None when there are none."""
    index = {t: i for i, t in enumerate(meta.tickers)}
    candles = store.candles(event_ticker=meta.event_ticker, period_minutes=1, source="kalshi")
    if candles.num_rows == 0:
        return None
    return CandleRows(
        bracket=np.array([index[t] for t in candles.column("market_ticker").to_pylist()]),
        end_ts=_secs(candles, "end_period_ts").astype(np.int64),
        bid_open=_floats(candles, "yes_bid_open"),
        bid_close=_floats(candles, "yes_bid_close"),
        ask_open=_floats(candles, "yes_ask_open"),
        ask_close=_floats(candles, "yes_ask_close"),
        price_low=_floats(candles, "price_low"),
        price_high=_floats(candles, "price_high"),
        price_close=_floats(candles, "price_close"),
        volume=_floats(candles, "volume"),
    )


CANDLE_S = 60  # stored candles are Kalshi's 1-minute bars


def candle_panel(meta: EventMeta, rows: CandleRows, delays: Delays, bar_s: int = BAR_S) -> Panel:
    """A panel on the bar grid from the first candle to the markets' close. Stored candles
    are 1-minute: any other bar period is refused (never silently mis-aggregated)."""
    if bar_s != CANDLE_S:
        raise BacktestInputError(
            f"event {meta.event_ticker}: stored candles are {CANDLE_S}-second bars, "
            f"the configured bar period is {bar_s} s"
        )
    grid = minute_grid(float(rows.end_ts.min()), meta.close_ts, bar_s)
    return panel_from_candles(meta, rows, grid, delays.candles, bar_s)


def load_panel(store: Store, meta: EventMeta, delays: Delays, bar_s: int = BAR_S) -> Panel:
    """Candles when stored, otherwise snapshots (+ trades), on bars of `bar_s` seconds."""
    rows = read_candle_rows(store, meta)
    if rows is not None:
        return candle_panel(meta, rows, delays, bar_s)
    index = {t: i for i, t in enumerate(meta.tickers)}
    return _quote_panel(store, meta, delays, index, bar_s)


def _quote_panel(
    store: Store, meta: EventMeta, delays: Delays, index: dict[str, int], bar_s: int
) -> Panel:
    parts = [store.market_snapshots(market_ticker=t) for t in meta.tickers]
    snaps = pa.concat_tables(parts)
    if snaps.num_rows == 0:
        raise BacktestInputError(
            f"event {meta.event_ticker}: no 1-minute candles and no snapshots stored"
        )
    quotes = QuoteRows(
        bracket=np.array([index[t] for t in snaps.column("market_ticker").to_pylist()]),
        ts=np.asarray(snaps.column("received_ns").to_numpy(), dtype=np.float64) / 1e9,
        bid=_floats(snaps, "yes_bid"),
        ask=_floats(snaps, "yes_ask"),
    )
    trade_parts = [store.trades(market_ticker=t) for t in meta.tickers]
    trades_table = pa.concat_tables(trade_parts)
    trades = None
    if trades_table.num_rows:
        trades = TradeRows(
            bracket=np.array([index[t] for t in trades_table.column("market_ticker").to_pylist()]),
            ts=_secs(trades_table, "created_time"),
            price=_floats(trades_table, "yes_price"),
            count=_floats(trades_table, "count"),
        )
    end = min(meta.close_ts, float(quotes.ts.max()) + bar_s)
    grid = minute_grid(float(quotes.ts.min()), end, bar_s)
    return panel_from_quotes(meta, quotes, grid, delays, trades, bar_s)
