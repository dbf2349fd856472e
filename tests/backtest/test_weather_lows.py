"""The weather Monte-Carlo of a daily low: PMF of the minimum, running-minimum bound, hazard
of a new low, no look-ahead."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_tape.backtest.signals.weather_mc import WeatherInputs, WeatherParams, weather_pmf
from kalshi_tape.reference.brackets import Bracket

D = Decimal
LADDER = (
    Bracket("T30", "less", None, D(30), False, False),  # 29 or below
    Bracket("B30.5", "between", D(30), D(31), True, True),
    Bracket("B32.5", "between", D(32), D(33), True, True),
    Bracket("T33", "greater", D(33), None, False, False),  # 34 or above
)
DAY = 1_800_000_000 - 1_800_000_000 % 86400
PARAMS = WeatherParams(paths=300, every_minutes=120, seed=2)
GRID = np.arange(DAY - 7200, DAY + 86400, 60, dtype=np.int64)


def _low_inputs(hours: list[float], temps: list[float], forecast_low: float) -> WeatherInputs:
    ts = DAY + np.array(hours, dtype=np.float64) * 3600
    return WeatherInputs(
        ts, ts + 300, np.array(temps, dtype=np.float64), np.array([float(DAY - 3 * 3600)]),
        np.array([forecast_low + 12.0]), np.array([forecast_low]), settles_on_minimum=True,
    )  # fmt: skip


@settings(max_examples=15, deadline=None)
@given(
    temps=st.lists(st.floats(20.0, 45.0), min_size=1, max_size=12),
    forecast=st.floats(22.0, 40.0),
)
def test_pmf_sums_to_one_and_the_running_minimum_bounds_it(
    temps: list[float], forecast: float
) -> None:
    hours = [1.0 + 2.0 * k for k in range(len(temps))]
    pmf, _ = weather_pmf(_low_inputs(hours, temps, forecast), LADDER, GRID, DAY, PARAMS)
    known = np.isfinite(pmf).all(axis=1)
    assert known.any()
    np.testing.assert_allclose(pmf[known].sum(axis=1), 1.0)
    for k, temp in enumerate(temps):
        received = DAY + hours[k] * 3600 + 300 + 7200  # received, and re-evaluated
        after = np.int64(received) <= GRID
        ceiling = np.floor(min(temps[: k + 1]) + 0.5)  # the low is at most the running min
        for j, bracket in enumerate(LADDER):
            if bracket.low is not None and float(bracket.low) > ceiling - (
                0 if bracket.low_inclusive else 1
            ):
                assert np.all(pmf[after & known, j] == 0.0), (temp, bracket.ticker)


def test_a_colder_forecast_shifts_the_low_down_and_evening_cold_counts() -> None:
    mild, _ = weather_pmf(_low_inputs([], [], 34.0), LADDER, GRID, DAY, PARAMS)
    cold, _ = weather_pmf(_low_inputs([], [], 28.0), LADDER, GRID, DAY, PARAMS)
    assert cold[-1, 0] > mild[-1, 0] and cold[-1, 3] < mild[-1, 3]
    # 28 °F observed the evening before the climate day: a low near midnight is likely
    evening = _low_inputs([-1.5, -1.0], [29.0, 28.0], 34.0)
    before, _ = weather_pmf(evening, LADDER, GRID, DAY, PARAMS)
    first = np.flatnonzero(GRID == DAY)[0]
    assert before[first, 0] > mild[first, 0] + 0.2


def test_hazard_of_a_new_low_is_high_before_dawn_and_small_in_the_afternoon() -> None:
    hours = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 12.0, 13.0, 14.0]
    temps = [33.0, 32.0, 31.0, 30.5, 30.0, 29.6, 29.8, 38.0, 40.0, 41.0]
    _, hazard = weather_pmf(_low_inputs(hours, temps, 30.0), LADDER, GRID, DAY, PARAMS)
    night = hazard[GRID == DAY + 4 * 3600][0]  # evaluated at 04:00
    afternoon = hazard[GRID == DAY + 16 * 3600][0]
    assert night > afternoon and afternoon < 0.05


def test_no_look_ahead_values_at_t_use_only_what_was_received_by_t() -> None:
    hours = [0.5, 2.0, 4.0]
    base = _low_inputs(hours, [35.0, 34.0, 33.0], 31.0)
    late = _low_inputs([*hours, 10.0], [35.0, 34.0, 33.0, 10.0], 31.0)  # a cold reading at 10:00
    pmf_a, hz_a = weather_pmf(base, LADDER, GRID, DAY, PARAMS)
    pmf_b, hz_b = weather_pmf(late, LADDER, GRID, DAY, PARAMS)
    before = GRID < DAY + 10 * 3600 + 300  # received at 10:05
    np.testing.assert_array_equal(pmf_a[before], pmf_b[before])
    np.testing.assert_array_equal(hz_a[before], hz_b[before])
    assert not np.array_equal(pmf_a[~before], pmf_b[~before])


def test_a_cold_front_forecast_after_a_mild_dawn_puts_the_low_in_the_evening() -> None:
    # dawn 30 °F, a warm afternoon, and a forecast issued at 13:00 saying 24 °F by midnight
    hours = [2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 13.5]
    temps = [32.0, 31.0, 30.0, 33.0, 38.0, 41.0, 42.0]
    ts = DAY + np.array(hours) * 3600
    fc_avail = np.array([float(DAY - 3 * 3600), float(DAY + 13 * 3600)])
    inputs = WeatherInputs(
        ts, ts + 300, np.array(temps), fc_avail, np.array([42.0, 44.0]), np.array([30.0, 24.0]),
        settles_on_minimum=True,
    )  # fmt: skip
    pmf, _ = weather_pmf(inputs, LADDER, GRID, DAY, PARAMS)
    at_two = np.flatnonzero(GRID == DAY + 14 * 3600)[0]
    assert pmf[at_two, 0] > 0.6  # 29 or below: the front's low, still to come
    # before the forecast was available the dawn low stands
    at_noon = np.flatnonzero(GRID == DAY + 12 * 3600)[0]
    assert pmf[at_noon, 0] < 0.3
