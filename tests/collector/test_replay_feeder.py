"""The replay feeder: a collector connected to it over a real WebSocket stores every frame
of every pass, and its books end exactly where the captured frames say."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from kalshi_tape.client.stream import Connected, FeedState
from kalshi_tape.collector import Collector
from kalshi_tape.collector.daemon import running
from kalshi_tape.core.clock import SYSTEM_CLOCK
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.replay import ReplayFeeder, capture, frame_header
from kalshi_tape.sim.server import SimServer
from kalshi_tape.storage import open_store
from tests.collector.conftest import SERIES, SIM_NOW, collector_config, wait_for

CHANNELS = ("orderbook_delta", "ticker", "trade")


@pytest.fixture(scope="module")
def frozen_sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=9, now=SIM_NOW, speed=0, series=SERIES)) as sim:
        yield sim


@pytest.fixture(scope="module")
def captured(frozen_sim: SimServer) -> tuple[list[str], list[bytes]]:
    return capture(frozen_sim.base_url, frozen_sim.admin_url, frozen_sim.ws_url, hours=0.5)


def expected_books(tickers: list[str], frames: list[bytes], passes: int) -> dict[str, object]:
    """The books the frames give, fed to `FeedState` directly (seq renumbered as served)."""
    feeder = ReplayFeeder(frames)
    state = FeedState(tickers, CHANNELS, clock=SYSTEM_CLOCK)
    state.on_connected(Connected("x", False, 1, 0))
    seq = 0
    for _ in range(passes):
        for t in feeder._templates:
            if t.sequenced:
                seq += 1
            body = b"%b%d%b" % (t.head, seq, t.tail) if t.sequenced else t.head
            list(state.handle_frame(body, 0))
    return {ticker: book.to_json() for ticker, book in state.books.items()}


def test_frame_headers() -> None:
    assert frame_header(5) == b"\x81\x05"
    assert frame_header(300) == b"\x81\x7e\x01\x2c"
    assert frame_header(70_000)[:2] == b"\x81\x7f" and len(frame_header(70_000)) == 10


async def test_a_collector_stores_every_replayed_frame(
    frozen_sim: SimServer, captured: tuple[list[str], list[bytes]], tmp_path: Path
) -> None:
    tickers, frames = captured
    deltas = sum(b'"type":"orderbook_delta"' in f for f in frames)
    assert deltas > 500
    passes = 3
    feeder = ReplayFeeder(frames, passes=passes)
    store = open_store(f"duckdb:///{tmp_path / 'w.duckdb'}")
    async with feeder.serving() as ws_url:
        config = collector_config(frozen_sim, tmp_path / "spool", trade_sweep_seconds=600)
        settings = replace(config.settings, ws_url=ws_url)
        collector = Collector(
            config.model_copy(update={"settings": settings}), store, rng=random.Random(4)
        )
        async with running(collector):
            assert await wait_for(lambda: feeder.finished.is_set(), 60)
            assert collector.feed is not None
            feed = collector.feed
            assert await wait_for(lambda: feed.stats.deltas >= deltas * passes, 30)
            books = {t: b.to_json() for t, b in feed.books.items()}
            stats = feed.stats
    assert stats.gaps == 0 and stats.malformed == 0
    assert feeder.sent == len(frames) * passes
    assert store.count("orderbook_deltas") == deltas * passes
    assert books == expected_books(tickers, frames, passes)
    store.close()
    await asyncio.sleep(0)
