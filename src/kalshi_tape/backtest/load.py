"""Read one series' events from the warehouse into panels (candles first, else snapshots).

Per event: the bracket markets (ladder order from their strikes), the series' fee terms,
1-minute Kalshi candles when stored, otherwise market_snapshots (collector or
`ktape import quotes`) plus trades; settlement from each market's `result`.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from kalshi_tape.backtest.execution.fees import FeeSchedule
from kalshi_tape.backtest.panel import (
    BAR_S,
    BacktestInputError,
    CandleRows,
    Delays,
    EventMeta,
    Panel,
    QuoteRows,
    TradeRows,
    minute_grid,
    panel_from_candles,
    panel_from_quotes,
)
from kalshi_tape.brackets import Bracket
from kalshi_tape.parse.tickers import event_date
from kalshi_tape.stations import station_for
from kalshi_tape.storage import Store


def event_day(event_ticker: str) -> date | None:
    """The climate date in `KXHIGHNY-26JUN02`, else None."""
    return event_date(event_ticker)


def bracket_from_strikes(
    ticker: str, strike_type: str, floor: Decimal | None, cap: Decimal | None
) -> Bracket:
    """The payoff interval (same rules as brackets.bracket_of) from stored strike columns."""
    if strike_type == "between" and floor is not None and cap is not None:
        return Bracket(ticker, strike_type, floor, cap, True, True)
    if strike_type in ("greater", "greater_or_equal") and floor is not None:
        return Bracket(ticker, strike_type, floor, None, strike_type == "greater_or_equal", False)
    if strike_type in ("less", "less_or_equal") and cap is not None:
        return Bracket(ticker, strike_type, None, cap, False, strike_type == "less_or_equal")
    raise BacktestInputError(f"market {ticker}: not a weather bracket ({strike_type})")


def _ts(value: datetime | None) -> int:
    return 0 if value is None else int(value.timestamp())


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
    picked = [e for e in events if (d := event_day(e)) is not None and start <= d <= end]
    if not picked:
        raise BacktestInputError(
            f"no {series} events between {start} and {end} in the warehouse "
            f"({len(events)} {series} events stored); backfill or import them first"
        )
    return sorted(picked, key=lambda e: (event_day(e), e))


def fee_schedule(store: Store, series: str) -> FeeSchedule:
    ph = store.placeholder
    rows = store.sql(f"SELECT fee_type, fee_multiplier FROM series WHERE ticker = {ph}", [series])
    if not rows or rows[0][0] is None:
        return FeeSchedule()  # weather series are quadratic, multiplier 1 (kalshi-api.md §6)
    return FeeSchedule(str(rows[0][0]), Decimal(rows[0][1] if rows[0][1] is not None else 1))


def event_fees(store: Store, event_ticker: str, series_fees: FeeSchedule) -> FeeSchedule:
    """The series' fee terms, unless the stored event carries Kalshi's fee overrides
    (`fee_type_override`, `fee_multiplier_override`; null = no override)."""
    ph = store.placeholder
    rows = store.sql(f"SELECT raw_json FROM events WHERE event_ticker = {ph}", [event_ticker])
    if not rows or not rows[0][0]:
        return series_fees
    try:
        raw = json.loads(rows[0][0])
    except ValueError:
        return series_fees
    fee_type = raw.get("fee_type_override") if isinstance(raw, dict) else None
    multiplier = raw.get("fee_multiplier_override") if isinstance(raw, dict) else None
    if fee_type is None and multiplier is None:
        return series_fees
    return FeeSchedule(
        str(fee_type or series_fees.fee_type),
        series_fees.fee_multiplier if multiplier is None else Decimal(str(multiplier)),
    )


def event_meta(store: Store, event_ticker: str, fees: FeeSchedule) -> EventMeta:
    """Ladder, timing, result and fee terms (event overrides applied) of one event."""
    fees = event_fees(store, event_ticker, fees)
    ph = store.placeholder
    rows = store.sql(
        "SELECT ticker, strike_type, floor_strike, cap_strike, close_time, result, "
        f"settlement_ts FROM markets WHERE event_ticker = {ph}",
        [event_ticker],
    )
    if not rows:
        raise BacktestInputError(f"event {event_ticker} has no markets stored")
    brackets = sorted(
        (bracket_from_strikes(str(r[0]), str(r[1]), r[2], r[3]) for r in rows),
        key=lambda b: (b.low is not None, b.low or 0, b.high is None, b.high or 0),
    )
    by_ticker = {str(r[0]): r for r in rows}
    results = tuple(str(by_ticker[b.ticker][5] or "") for b in brackets)
    settled = all(r in ("yes", "no") for r in results)
    series = event_ticker.split("-", 1)[0]
    day = event_day(event_ticker)
    station = station_for(series)
    close_ts = max(_ts(r[4]) for r in rows)
    if station is not None and day is not None:
        day_start = int(station.climate_day_bounds(day)[0].timestamp())
    else:
        day_start = close_ts - 86400 + 60
    settled_ts = max(_ts(r[6]) for r in rows) if settled else 0
    return EventMeta(
        event_ticker=event_ticker,
        series=series,
        tickers=tuple(b.ticker for b in brackets),
        brackets=tuple(brackets),
        fees=fees,
        close_ts=close_ts,
        day_start_ts=day_start,
        settled_ts=settled_ts or close_ts + 12 * 3600,
        results=tuple(r == "yes" for r in results) if settled else None,
        station=station.icao if station else "",
    )


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
