"""As-of alignment: values enter the grid when they would have been received."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from kalshi_tape.backtest.data.panel import (
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
from kalshi_tape.backtest.execution.fees import FeeSchedule
from kalshi_tape.reference.brackets import Bracket

T0 = 1_800_000_000 - 1_800_000_000 % 60
META = EventMeta(
    "KXHIGHNY-27JAN15", "KXHIGHNY", ("L", "H"),
    (Bracket("L", "less", None, Decimal(50), False, False),
     Bracket("H", "greater", Decimal(49), None, False, False)),
    FeeSchedule(), T0 + 600, T0, T0 + 900, (True, False),
)  # fmt: skip


def tiny_panel() -> Panel:
    rows = CandleRows(
        bracket=np.array([0, 1, 0, 1, 0]),
        end_ts=np.array([T0 + 60, T0 + 60, T0 + 120, T0 + 180, T0 + 240]),
        bid_open=np.array([0.40, 0.50, 0.41, 0.52, 0.45]),
        bid_close=np.array([0.41, 0.51, 0.43, 0.53, 0.47]),
        ask_open=np.array([0.44, 0.54, 0.45, 0.56, 0.48]),
        ask_close=np.array([0.45, 0.55, 0.46, 0.57, 0.50]),
        price_low=np.array([0.42, np.nan, 0.43, 0.52, 0.45]),
        price_high=np.array([0.44, np.nan, 0.45, 0.55, 0.48]),
        price_close=np.array([0.44, np.nan, 0.44, 0.53, 0.46]),
        volume=np.array([3.0, 0.0, 5.0, 2.0, 1.0]),
    )
    return panel_from_candles(META, rows, minute_grid(T0 + 60, T0 + 300))


def test_candles_are_forward_filled_and_bar_values_stay_in_their_bar() -> None:
    p = tiny_panel()
    assert p.ts.tolist() == [T0 + 60 * k for k in range(1, 6)]
    assert p.bid_close[:, 0].tolist() == [0.41, 0.43, 0.43, 0.47, 0.47]
    assert p.volume[:, 0].tolist() == [3.0, 5.0, 0.0, 1.0, 0.0]
    assert np.isnan(p.trade_low[2, 0])  # no candle in that bar: no trade range
    assert p.bid_open[2, 0] == 0.43  # open of an empty bar = previous close


def test_a_delay_moves_everything_later() -> None:
    rows = CandleRows(
        np.array([0]),
        np.array([T0 + 60]),
        *(np.array([v]) for v in (0.4, 0.41, 0.44, 0.45, 0.42, 0.44, 0.43, 7.0)),
    )
    late = panel_from_candles(META, rows, minute_grid(T0 + 60, T0 + 240), delay=90)
    assert np.isnan(late.bid_close[:2, 0]).all() and late.bid_close[2, 0] == 0.41
    assert late.volume[2, 0] == 7.0


def test_quotes_as_of_with_order_latency_and_trades() -> None:
    quotes = QuoteRows(
        bracket=np.array([0, 0, 0]),
        ts=np.array([T0 + 10.0, T0 + 60.0, T0 + 61.5]),
        bid=np.array([0.40, 0.0, 0.42]),  # 0 = empty bid
        ask=np.array([0.45, 0.46, 1.0]),  # 1 = empty ask
    )
    trades = TradeRows(
        np.array([0, 0]),
        np.array([T0 + 70.0, T0 + 100.0]),
        np.array([0.44, 0.43]),
        np.array([2.0, 3.0]),
    )
    p = panel_from_quotes(
        META, quotes, minute_grid(T0 + 60, T0 + 180), Delays(order_latency=1), trades
    )
    assert np.isnan(p.bid_close[0, 0]) and p.ask_close[0, 0] == 0.46  # as of T0+60 exactly
    assert p.bid_close[1, 0] == 0.42 and np.isnan(p.ask_close[1, 0])
    assert p.ask_open[1, 0] == 0.46  # the quote at T0+60+1 s, before the 61.5 s change
    assert p.volume[:, 0].tolist() == [0.0, 5.0, 0.0]
    assert p.trade_low[1, 0] == 0.43 and p.trade_high[1, 0] == 0.44 and p.trade_close[1, 0] == 0.43


def test_features_of_a_truncated_panel_equal_the_prefix_for_both_smoothers() -> None:
    from kalshi_tape.backtest.data.panel import truncate
    from kalshi_tape.backtest.signals.features import FeatureParams, compute_features

    rng = np.random.default_rng(4)
    bars = 300
    ends = np.repeat(T0 + 60 * np.arange(1, bars + 1), 2)
    mid = np.clip(0.5 + np.cumsum(rng.normal(0, 0.01, (bars, 2)), axis=0), 0.05, 0.95).ravel()
    traded = rng.random(mid.size) < 0.4
    price = np.where(traded, mid, np.nan)
    rows = CandleRows(
        np.tile([0, 1], bars), ends, mid - 0.01, mid - 0.01, mid + 0.01, mid + 0.01,
        price - 0.005, price + 0.005, price, np.where(traded, 3.0, 0.0),
    )  # fmt: skip
    panel = panel_from_candles(META, rows, minute_grid(T0 + 60, T0 + 60 * bars))
    for smoother in ("ewm", "savgol"):
        params = FeatureParams(smoother=smoother)  # type: ignore[arg-type]
        full = compute_features(panel, params)
        for k in (0, 20, 150, bars - 2):
            part = compute_features(truncate(panel, k), params)
            for name in full:
                np.testing.assert_array_equal(part[name], full[name][: k + 1], err_msg=name)


def test_quote_panels_ignore_everything_received_after_t() -> None:
    from kalshi_tape.backtest.signals.features import compute_features

    rng = np.random.default_rng(8)
    n = 2000
    ts = np.sort(rng.uniform(T0, T0 + 6 * 3600, n))
    quotes = QuoteRows(
        rng.integers(0, 2, n), ts, rng.integers(1, 60, n) / 100, rng.integers(40, 100, n) / 100
    )
    trades = TradeRows(
        rng.integers(0, 2, 300),
        np.sort(rng.uniform(T0, T0 + 6 * 3600, 300)),
        rng.integers(1, 99, 300) / 100,
        rng.integers(1, 20, 300).astype(float),
    )
    grid = minute_grid(T0 + 60, T0 + 6 * 3600)
    t = T0 + 3 * 3600 + 17
    delays = Delays(quotes=2, trades=5, order_latency=1)
    late_q, late_t = quotes.ts + 2 > t, trades.ts + 5 > t
    moved_quotes = QuoteRows(
        quotes.bracket,
        quotes.ts,
        np.where(late_q, 0.99, quotes.bid),
        np.where(late_q, 0.01, quotes.ask),
    )
    moved_trades = TradeRows(
        trades.bracket,
        trades.ts,
        np.where(late_t, 0.5, trades.price),
        np.where(late_t, 999.0, trades.count),
    )
    a = panel_from_quotes(META, quotes, grid, delays, trades)
    b = panel_from_quotes(META, moved_quotes, grid, delays, moved_trades)
    before = int(np.searchsorted(grid, t, side="right"))
    fa, fb = compute_features(a), compute_features(b)
    for name in fa:
        np.testing.assert_array_equal(fa[name][:before], fb[name][:before], err_msg=name)
        assert not np.array_equal(fa[name], fb[name], equal_nan=True) or name in ("clv",)
    for field in ("bid_open", "ask_open", "volume", "trade_low", "trade_high"):
        np.testing.assert_array_equal(getattr(a, field)[:before], getattr(b, field)[:before])
