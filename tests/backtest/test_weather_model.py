"""The weather Monte-Carlo: PMF over bracket edges, observed maximum, hazard, fitting."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from kalshi_tape.backtest.signals.features import compute_features
from kalshi_tape.backtest.signals.weather_mc import (
    WeatherInputs,
    WeatherParams,
    diurnal_shape,
    fit_params,
    integer_bounds,
    pmf_of_values,
    weather_pmf,
)
from kalshi_tape.reference.brackets import Bracket

D = Decimal
LADDER = (
    Bracket("T50", "less", None, D(50), False, False),  # 49 or below
    Bracket("B50.5", "between", D(50), D(51), True, True),
    Bracket("B52.5", "between", D(52), D(53), True, True),
    Bracket("T53", "greater", D(53), None, False, False),  # 54 or above
)
DAY = 1_800_000_000 - 1_800_000_000 % 86400


def test_integer_bounds_follow_the_rule_text() -> None:
    assert [integer_bounds(b) for b in LADDER] == [
        (-np.inf, 49), (50, 51), (52, 53), (54, np.inf)
    ]  # fmt: skip
    values = np.array([49.0, 50.0, 51.0, 52.0, 53.0, 54.0])
    pmf = pmf_of_values(values, LADDER)
    assert pmf.tolist() == [1 / 6, 2 / 6, 2 / 6, 1 / 6]
    for v in range(45, 60):
        assert sum(b.pays(v) for b in LADDER) == 1


def _inputs(obs_hours: list[float], temps: list[float], forecast: float) -> WeatherInputs:
    ts = DAY + np.array(obs_hours) * 3600
    return WeatherInputs(
        ts, ts, np.array(temps), np.array([float(DAY - 3600)]), np.array([forecast])
    )


def test_pmf_sums_to_one_and_respects_the_observed_maximum() -> None:
    params = WeatherParams(paths=2000, every_minutes=60, seed=1)
    grid = np.arange(DAY - 7200, DAY + 86400, 60, dtype=np.int64)
    inputs = _inputs([10, 11, 12, 13], [48.0, 50.0, 52.4, 52.0], forecast=51.0)
    pmf, hazard = weather_pmf(inputs, LADDER, grid, DAY, params)
    known = np.isfinite(pmf).all(axis=1)
    np.testing.assert_allclose(pmf[known].sum(axis=1), 1.0)
    after_13 = grid >= DAY + 13 * 3600
    assert np.all(pmf[after_13][:, :2] == 0.0)  # 52.4 seen: the high is at least 52
    end = grid >= DAY + 23 * 3600 + 1800
    assert np.all(hazard[end] < 0.05)  # late evening: new highs are rare
    assert np.isnan(pmf[grid < DAY - 3600]).all()  # before the forecast was issued


def test_a_later_warmer_forecast_shifts_the_pmf_up() -> None:
    params = WeatherParams(paths=2000, every_minutes=60)
    grid = np.arange(DAY, DAY + 3600, 60, dtype=np.int64)
    cool, _ = weather_pmf(_inputs([0.5], [40.0], 49.0), LADDER, grid, DAY, params)
    warm, _ = weather_pmf(_inputs([0.5], [40.0], 55.0), LADDER, grid, DAY, params)
    assert warm[0, 3] > cool[0, 3] and warm[0, 0] < cool[0, 0]


def test_fit_recovers_persistence_and_spread() -> None:
    rng = np.random.default_rng(3)
    days = []
    hours = np.arange(0, 24, 0.25)
    for _ in range(20):
        e = np.zeros(len(hours))
        for k in range(1, len(hours)):
            e[k] = 0.9 * e[k - 1] + 1.0 * np.sqrt(1 - 0.81) * rng.standard_normal()
        high = 60.0
        temps = high - 12.0 * (1 - diurnal_shape(hours)) + e
        days.append((hours, temps, high, high + rng.normal(0, 2.0)))
    fitted = fit_params(days, WeatherParams())
    assert 0.8 < fitted.rho < 0.97
    assert 0.6 < fitted.sigma < 1.4
    assert 1.0 < fitted.forecast_sd < 3.5
    assert fit_params(days[:2], WeatherParams()) == WeatherParams()


def test_features_are_causal_filters() -> None:
    from tests.backtest.test_panel import tiny_panel

    panel = tiny_panel()
    f = compute_features(panel)
    np.testing.assert_allclose(
        np.nansum(f["p_norm"], axis=1)[np.isfinite(f["p_norm"]).all(axis=1)], 1.0
    )
    assert set(f) == {"p", "p_norm", "vel", "acc", "ras", "clv", "spread", "vol_z"}
