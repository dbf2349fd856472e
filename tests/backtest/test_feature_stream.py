"""Tape mode's features one bar at a time (`FeatureStream`) against the batch computation of
candle mode (`compute_features`): the same values bit for bit at every bar, with no look-ahead,
and a cost per bar that does not grow with the day (issue 23, defect 7b)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_tape.backtest.data.panel import EventMeta, Panel
from kalshi_tape.backtest.execution.book import TapeTrade
from kalshi_tape.backtest.execution.bookengine import BookEngine
from kalshi_tape.backtest.signals import features as features_module
from kalshi_tape.backtest.signals.features import FeatureParams, FeatureStream, compute_features
from kalshi_tape.backtest.strategies.protocol import BarState, Order
from kalshi_tape.core.money import Count, Price
from kalshi_tape.reference.brackets import Bracket
from tests.backtest.execution_helpers import MAKER_FEES, T0_MS

ROW_KEYS = ("bid", "ask", "low", "high", "close", "volume")


def ladder_meta(n: int) -> EventMeta:
    tickers = tuple(f"KXHIGHNY-26NOV20-B{50 + i}.5" for i in range(n))
    brackets = tuple(
        Bracket(t, "between", Decimal(50 + i), Decimal(51 + i), True, True)
        for i, t in enumerate(tickers)
    )
    close = T0_MS // 1000 + 86400
    return EventMeta("KXHIGHNY-26NOV20", "KXHIGHNY", tickers, brackets, MAKER_FEES, close,
                     close - 86400, close + 3600, None)  # fmt: skip


def panel_of(meta: EventMeta, rows: dict[str, np.ndarray]) -> Panel:
    ts = np.arange(len(rows["bid"]), dtype=np.int64) * 60
    return Panel(ts, rows["bid"], rows["ask"], rows["bid"], rows["ask"], rows["low"],
                 rows["high"], rows["volume"], trade_close=rows["close"], meta=meta,
                 source="tape")  # fmt: skip


price = st.one_of(st.just(np.nan), st.integers(1, 99).map(lambda c: c / 100))
volume = st.one_of(st.just(np.nan), st.just(0.0), st.integers(0, 10**6).map(float))


@st.composite
def bar_series(draw: st.DrawFn) -> tuple[dict[str, np.ndarray], FeatureParams]:
    bars, brackets = draw(st.integers(1, 40)), draw(st.integers(1, 5))
    cell = {"volume": volume}
    rows = {
        key: np.array(
            [[draw(cell.get(key, price)) for _ in range(brackets)] for _ in range(bars)],
            dtype=np.float64,
        )
        for key in ROW_KEYS
    }
    params = FeatureParams(
        span_v=draw(st.integers(1, 12)),
        span_a=draw(st.integers(1, 12)),
        span_vol=draw(st.integers(1, 80)),
        smoother=draw(st.sampled_from(["ewm", "savgol"])),
        savgol_window=draw(st.sampled_from([5, 7, 11])),
        savgol_order=draw(st.integers(1, 3)),
    )
    return rows, params


SAVGOL_TOLERANCE = 1e-12  # dollars of p per bar; the rounding of an 11-term sum is ~1e-15
SMOOTHED = ("vel", "acc", "ras")


def same(name: str, params: FeatureParams, got: np.ndarray, want: np.ndarray) -> bool:
    """Bit for bit (NaN where NaN), except the Savitzky–Golay derivatives: the batch filter
    (`lfilter` with a = [1] is `np.convolve`) adds the window's terms in an order that
    depends on the length of the whole series (the batch values of a prefix and of the full
    series differ in the last bits too); the stream adds the same terms through `lfilter`'s
    delay line. Same terms, other order: equal to rounding."""
    if params.smoother == "savgol" and name in SMOOTHED:
        return bool(np.allclose(got, want, rtol=0.0, atol=SAVGOL_TOLERANCE, equal_nan=True))
    return bool(np.array_equal(got, want, equal_nan=True))


@settings(max_examples=150, deadline=None)
@given(bar_series())
def test_each_bar_equals_the_batch_features_of_its_prefix(
    case: tuple[dict[str, np.ndarray], FeatureParams],
) -> None:
    """The stream at bar t == batch over bars 0..t == the full batch's row t. The second
    equality is the no-look-ahead claim of the batch code."""
    rows, params = case
    meta = ladder_meta(rows["bid"].shape[1])
    full = compute_features(panel_of(meta, rows), params)
    stream = FeatureStream(rows["bid"].shape[1], params)
    for t in range(rows["bid"].shape[0]):
        got = stream.step(*(rows[key][t] for key in ROW_KEYS))
        prefix = compute_features(panel_of(meta, {k: v[: t + 1] for k, v in rows.items()}), params)
        assert set(got) == set(full)
        for name, values in got.items():
            assert values.shape == (rows["bid"].shape[1],)
            assert same(name, params, values, prefix[name][-1]), (name, t)
            assert same(name, params, values, full[name][t]), (name, t)


def test_the_comparison_sees_a_changed_value() -> None:
    """The equality above is strict: one bar's changed bid changes p from that bar on."""
    meta = ladder_meta(2)
    rows = {k: np.full((3, 2), 0.5) for k in ROW_KEYS}
    stream = FeatureStream(2)
    first = stream.step(*(rows[k][0] for k in ROW_KEYS))
    rows["bid"][0, 0] = 0.4
    batch = compute_features(panel_of(meta, rows))
    assert not np.array_equal(first["p"], batch["p"][0])


class Counting:
    """Records, at each bar, how many rows the feature code has touched so far."""

    name = "counting"

    def __init__(self, touched: list[int]) -> None:
        self.touched, self.seen = touched, []

    def on_bar(self, state: BarState) -> Sequence[Order]:
        self.seen.append(self.touched[0])
        return []


ROW_FUNCTIONS = ("mid_probability", "normalise", "relative_acceleration", "close_location")


def spy(monkeypatch: pytest.MonkeyPatch, touched: list[int]) -> None:
    """Wrap the feature code's row-wise functions (the real ones run) to count the rows they
    are given; the batch and the incremental path both go through them."""
    for name in ROW_FUNCTIONS:
        real = getattr(features_module, name)

        def counted(*args: Any, _real: Callable[..., Any] = real) -> Any:
            touched[0] += int(np.shape(args[0])[0])
            return _real(*args)

        monkeypatch.setattr(features_module, name, counted)


def test_the_cost_per_bar_does_not_grow_with_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tape mode at bar 400 touches as many feature rows as at bar 5 (before: every bar
    recomputed the whole panel so far, bar k touched ~4(k+1) rows: quadratic in the day)."""
    touched = [0]
    spy(monkeypatch, touched)
    meta = ladder_meta(3)
    strategy = Counting(touched)
    engine = BookEngine([meta], strategy)
    level = [(Price("0.40"), Count("10"))]
    for ticker in meta.tickers:
        engine.on_snapshot(ticker, level, level)
    for k in range(401):  # one trade a bar, each closing the bar before
        ticker = meta.tickers[k % 3]
        engine.on_trade(TapeTrade(T0_MS + k * 60_000 + 1, f"t{k}", ticker, Decimal("0.41"),
                                  Decimal(1)))  # fmt: skip
    per_bar = np.diff(strategy.seen)
    assert len(per_bar) == 399  # 401 trades close 400 bars
    assert per_bar[0] > 0  # the spy sees the feature code at work
    assert per_bar[-1] == per_bar[0]
    assert per_bar.max() <= len(ROW_FUNCTIONS)
