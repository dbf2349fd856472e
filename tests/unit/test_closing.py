"""Closing / AsyncClosing: the context manager closes exactly once, also on an error."""

from __future__ import annotations

import asyncio

import pytest

from kalshi_tape.core.closing import AsyncClosing, Closing


class _Thing(Closing):
    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


class _AsyncThing(AsyncClosing):
    def __init__(self) -> None:
        self.closed = 0

    async def aclose(self) -> None:
        self.closed += 1


def test_with_yields_the_object_and_closes_it_once() -> None:
    thing = _Thing()
    with thing as entered:
        assert entered is thing
        assert thing.closed == 0
    assert thing.closed == 1


def test_with_closes_on_error_and_lets_it_through() -> None:
    thing = _Thing()
    with pytest.raises(RuntimeError, match="boom"), thing:
        raise RuntimeError("boom")
    assert thing.closed == 1


def test_async_with_awaits_aclose_once_also_on_error() -> None:
    async def run() -> tuple[int, int]:
        ok, failing = _AsyncThing(), _AsyncThing()
        async with ok as entered:
            assert entered is ok
        with pytest.raises(RuntimeError):
            async with failing:
                raise RuntimeError("boom")
        return ok.closed, failing.closed

    assert asyncio.run(run()) == (1, 1)
