"""The panel: one event's brackets on a minute grid, aligned strictly as-of.

A value enters the grid at the time we would have *received* it: its own timestamp plus the
source's availability delay (`Delays`). The bar ending at grid time t holds only values
available at or before t, so nothing stamped after t can reach bar t (no look-ahead).

Sources: candles (Kalshi's 1-minute OHLC of YES bid/ask and trades), top-of-book quotes
(collector snapshots or imported logs) optionally with trades. Arrays are (bars, brackets)
float64 in dollars / contracts; NaN means unknown or an empty side of the book.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kalshi_tape.backtest.execution.candle import BarQuotes, QuoteBars
from kalshi_tape.backtest.execution.events import BAR_S as BAR_S
from kalshi_tape.backtest.execution.events import BacktestInputError as BacktestInputError
from kalshi_tape.backtest.execution.events import EventMeta as EventMeta
from kalshi_tape.backtest.strategies.protocol import FloatArray

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Delays:
    """Seconds between a value's own timestamp and when we would have it."""

    candles: int = 0
    quotes: int = 0
    trades: int = 0
    observations: int = 0
    forecasts: int = 0
    order_latency: int = 1


@dataclass(frozen=True, slots=True, eq=False)  # arrays: a panel equals only itself
class Panel(QuoteBars[IntArray]):
    """Every bar of one event: `ts` (T,) bar end times in Unix seconds, each array (T, N)
    by bar and bracket; besides the bar quotes, the last trade price of each bar."""

    trade_close: FloatArray = field(kw_only=True)
    meta: EventMeta = field(kw_only=True)
    source: str = field(kw_only=True)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.ts), len(self.meta.tickers)

    @property
    def hours(self) -> FloatArray:
        """Hours since the start of the climate day (negative the evening before)."""
        return (self.ts - self.meta.day_start_ts).astype(np.float64) / 3600.0

    def quotes(self, i: int) -> BarQuotes:
        return BarQuotes(
            int(self.ts[i]),
            self.bid_open[i],
            self.ask_open[i],
            self.bid_close[i],
            self.ask_close[i],
            self.trade_low[i],
            self.trade_high[i],
            self.volume[i],
        )


@dataclass(frozen=True, slots=True)
class CandleRows:
    """Candles of one event, one row per (bracket, period end)."""

    bracket: IntArray
    end_ts: IntArray
    bid_open: FloatArray
    bid_close: FloatArray
    ask_open: FloatArray
    ask_close: FloatArray
    price_low: FloatArray
    price_high: FloatArray
    price_close: FloatArray
    volume: FloatArray


@dataclass(frozen=True, slots=True)
class QuoteRows:
    """Top-of-book changes: bracket index, receive time (s, float), bid and ask in dollars."""

    bracket: IntArray
    ts: FloatArray
    bid: FloatArray
    ask: FloatArray


@dataclass(frozen=True, slots=True)
class TradeRows:
    bracket: IntArray
    ts: FloatArray
    price: FloatArray
    count: FloatArray


def minute_grid(start_ts: float, end_ts: float, bar_s: int = BAR_S) -> IntArray:
    """Bar end times covering [start, end]: multiples of bar_s."""
    first = int(np.ceil(start_ts / bar_s)) * bar_s
    last = int(np.floor(end_ts / bar_s)) * bar_s
    if last < first:
        raise BacktestInputError(f"empty time range {start_ts}..{end_ts}")
    return np.arange(first, last + bar_s, bar_s, dtype=np.int64)


def asof(avail: npt.NDArray[np.generic], grid: npt.NDArray[np.generic]) -> IntArray:
    """Index of the last row available at or before each grid time (-1: none yet).
    `avail` must be sorted ascending."""
    return np.searchsorted(avail, grid, side="right").astype(np.int64) - 1


def _take(values: FloatArray, index: IntArray) -> FloatArray:
    if values.size == 0:
        return np.full(index.shape, np.nan)
    out = np.where(index >= 0, values[np.maximum(index, 0)], np.nan)
    return out.astype(np.float64)


def _clean_book(bid: FloatArray, ask: FloatArray) -> tuple[FloatArray, FloatArray]:
    """An empty side arrives as bid 0 / ask 1 (or NULL): make it NaN."""
    return np.where(bid > 0.0, bid, np.nan), np.where(ask < 1.0, ask, np.nan)


def _empty(shape: tuple[int, int]) -> FloatArray:
    return np.full(shape, np.nan, dtype=np.float64)


def panel_from_candles(
    meta: EventMeta, rows: CandleRows, grid: IntArray, delay: int = 0, bar_s: int = BAR_S
) -> Panel:
    """Align candles on `grid`: close values as-of, bar values only from the bar's candle."""
    shape = (len(grid), len(meta.tickers))
    out = {k: _empty(shape) for k in ("bo", "ao", "bc", "ac", "lo", "hi", "cl")}
    volume = np.zeros(shape)
    for b in range(shape[1]):
        mine = np.flatnonzero(rows.bracket == b)
        order = mine[np.argsort(rows.end_ts[mine], kind="stable")]
        if order.size == 0:
            continue  # a bracket without candles stays unknown (NaN), volume 0
        avail = rows.end_ts[order] + delay
        k = asof(avail, grid)
        in_bar = (k >= 0) & (avail[np.maximum(k, 0)] > grid - bar_s)
        bid_c, ask_c = _clean_book(rows.bid_close[order], rows.ask_close[order])
        bid_o, ask_o = _clean_book(rows.bid_open[order], rows.ask_open[order])
        out["bc"][:, b], out["ac"][:, b] = _take(bid_c, k), _take(ask_c, k)
        prev_bid = np.concatenate(([np.nan], out["bc"][:-1, b]))
        prev_ask = np.concatenate(([np.nan], out["ac"][:-1, b]))
        out["bo"][:, b] = np.where(in_bar, _take(bid_o, k), prev_bid)
        out["ao"][:, b] = np.where(in_bar, _take(ask_o, k), prev_ask)
        for key, col in (
            ("lo", rows.price_low),
            ("hi", rows.price_high),
            ("cl", rows.price_close),
        ):
            out[key][:, b] = np.where(in_bar, _take(col[order], k), np.nan)
        volume[:, b] = np.where(in_bar, np.nan_to_num(_take(rows.volume[order], k)), 0.0)
    return Panel(
        grid, out["bo"], out["ao"], out["bc"], out["ac"], out["lo"], out["hi"], volume,
        trade_close=out["cl"], meta=meta, source="candles",
    )  # fmt: skip


def panel_from_quotes(
    meta: EventMeta,
    quotes: QuoteRows,
    grid: IntArray,
    delays: Delays,
    trades: TradeRows | None = None,
    bar_s: int = BAR_S,
) -> Panel:
    """Align top-of-book changes: close = the quote as-of the bar end; open = the quote an
    order decided at the previous bar end would meet (as-of that time + order latency)."""
    shape = (len(grid), len(meta.tickers))
    bc, ac, bo, ao = _empty(shape), _empty(shape), _empty(shape), _empty(shape)
    opens = grid - bar_s + delays.order_latency
    for b in range(shape[1]):
        mine = np.flatnonzero(quotes.bracket == b)
        order = mine[np.argsort(quotes.ts[mine], kind="stable")]
        avail = quotes.ts[order] + delays.quotes
        bid, ask = _clean_book(quotes.bid[order], quotes.ask[order])
        k_close, k_open = asof(avail, grid), asof(avail, opens)
        bc[:, b], ac[:, b] = _take(bid, k_close), _take(ask, k_close)
        bo[:, b], ao[:, b] = _take(bid, k_open), _take(ask, k_open)
    low, high, last, volume = _trade_bars(trades, grid, shape, delays.trades, bar_s)
    return Panel(
        grid, bo, ao, bc, ac, low, high, volume, trade_close=last, meta=meta, source="quotes"
    )


def _trade_bars(
    trades: TradeRows | None, grid: IntArray, shape: tuple[int, int], delay: int, bar_s: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per-bar low/high/last trade price and volume; volume NaN when there is no trade feed."""
    low, high, last = _empty(shape), _empty(shape), _empty(shape)
    if trades is None:
        return low, high, last, _empty(shape)
    volume = np.zeros(shape)
    avail = trades.ts + delay
    # The bar a trade belongs to: the first bar end at or after its availability.
    bar = np.searchsorted(grid, avail, side="left")
    ok = (bar < len(grid)) & (avail > grid[0] - bar_s)
    order = np.flatnonzero(ok)[np.argsort(avail[ok], kind="stable")]
    rows, cols = bar[order], trades.bracket[order]
    price, count = trades.price[order], trades.count[order]
    np.add.at(volume, (rows, cols), count)
    low_f, high_f = np.full(shape, np.inf), np.full(shape, -np.inf)
    np.minimum.at(low_f, (rows, cols), price)
    np.maximum.at(high_f, (rows, cols), price)
    low = np.where(np.isfinite(low_f), low_f, np.nan)
    high = np.where(np.isfinite(high_f), high_f, np.nan)
    last[rows, cols] = price  # later trades overwrite earlier ones (sorted by time)
    return low, high, last, volume


def truncate(panel: Panel, last_index: int) -> Panel:
    """The panel up to and including bar `last_index` (what a live run has seen so far)."""
    s = slice(0, last_index + 1)
    return Panel(
        panel.ts[s], panel.bid_open[s], panel.ask_open[s], panel.bid_close[s],
        panel.ask_close[s], panel.trade_low[s], panel.trade_high[s], panel.volume[s],
        trade_close=panel.trade_close[s], meta=panel.meta, source=panel.source,
    )  # fmt: skip
