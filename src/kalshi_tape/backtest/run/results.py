"""What a backtest is asked (`BacktestConfig`, including its data mode) and what it
returns (`BacktestResult`: one `EventRun` per event), shared by the candle runner
(`runner`) and the tape mode (`tape`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from kalshi_tape.backtest.data.panel import BAR_S, Delays, Panel
from kalshi_tape.backtest.execution.candle import FillRules
from kalshi_tape.backtest.run.candle_loop import EventResult, Probabilities
from kalshi_tape.backtest.signals.calibration import Method
from kalshi_tape.backtest.signals.features import FeatureParams
from kalshi_tape.backtest.signals.metrics import one_hot
from kalshi_tape.backtest.signals.weather_mc import WeatherParams
from kalshi_tape.backtest.strategies.protocol import FloatArray

DataMode = Literal["candles", "tape"]
DATA_MODES: tuple[DataMode, ...] = ("candles", "tape")


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    series: str
    start: date
    end: date
    strategy: str
    params: Mapping[str, str] = field(default_factory=dict)
    seed: int = 0
    delays: Delays = field(default_factory=Delays)
    rules: FillRules = field(default_factory=FillRules)
    features: FeatureParams = field(default_factory=FeatureParams)
    weather: WeatherParams = field(default_factory=WeatherParams)
    calibration: Method = "auto"
    pool_base: float = 0.6
    pool_activity: float = 0.3
    fit_every: int = 10  # use every n-th bar of past events to fit calibrators
    data: DataMode = "candles"  # "tape": the recorded order book and trades (`tape`)
    bar_s: int = BAR_S  # the bar period, seconds (candle mode: the stored 1-minute candles)


@dataclass(frozen=True, slots=True)
class EventRun:
    panel: Panel
    features: Mapping[str, FloatArray]
    probs: Probabilities
    fused_raw: FloatArray
    calibrator: str
    result: EventResult

    @property
    def outcomes(self) -> FloatArray | None:
        results = self.panel.meta.results
        return None if results is None else one_hot(results, len(self.panel.ts))


@dataclass(frozen=True, slots=True)
class BacktestResult:
    config: BacktestConfig
    events: tuple[EventRun, ...]
    weather_used: bool
