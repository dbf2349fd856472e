"""The writer lowers the process's GIL switch interval only while its worker runs: the
value found before the first writer started is back once the last one has stopped."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kalshi_tape.collector.metrics import CollectorMetrics
from kalshi_tape.collector.spool import Spool
from kalshi_tape.collector.writer import SWITCH_INTERVAL_S, CollectorWriter
from kalshi_tape.core.clock import ManualClock

ORIGINAL_S = 0.007  # not Python's default, so a restore to the default would not pass


@pytest.fixture
def interval() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(ORIGINAL_S)
    yield
    sys.setswitchinterval(before)


def _writer(tmp: Path, name: str) -> CollectorWriter:
    spool = Spool(tmp / name)
    return CollectorWriter(None, spool, clock=ManualClock(), metrics=CollectorMetrics())


@pytest.mark.usefixtures("interval")
def test_interval_restored_when_the_writer_stops(tmp_path: Path) -> None:
    writer = _writer(tmp_path, "spool")
    writer.start()
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S, abs=2e-6)
    asyncio.run(writer.close())
    assert sys.getswitchinterval() == pytest.approx(ORIGINAL_S, abs=2e-6)


@pytest.mark.usefixtures("interval")
def test_interval_stays_low_until_the_last_writer_stops(tmp_path: Path) -> None:
    first, second = _writer(tmp_path, "a"), _writer(tmp_path, "b")
    first.start()
    second.start()
    asyncio.run(first.close())
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S, abs=2e-6)
    asyncio.run(second.close())
    assert sys.getswitchinterval() == pytest.approx(ORIGINAL_S, abs=2e-6)


@pytest.mark.usefixtures("interval")
def test_a_lower_interval_is_left_alone(tmp_path: Path) -> None:
    sys.setswitchinterval(SWITCH_INTERVAL_S / 5)
    writer = _writer(tmp_path, "spool")
    writer.start()
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S / 5, abs=2e-6)
    asyncio.run(writer.close())
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S / 5, abs=2e-6)
