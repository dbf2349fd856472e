"""The weather disk cache never blocks the event loop.

The cache sits on a slow disk: each read or write completes only after a ticker task on
the event loop has ticked three more times. Off the loop (a worker thread) the ticker runs
meanwhile and every call completes at once; on the loop (the old code) the ticker cannot
run, the wait gives up after its timeout and the test fails. No wall-clock bound is
asserted: the loop's progress is counted."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path

from kalshi_tape.sim.server import SimServer
from kalshi_tape.weather.http import Params, ResponseCache, WeatherHttp

TICKS = 3
GIVE_UP_S = 3.0  # only reached when the loop is blocked (the failing case)


class Ticker:
    """Counts turns of the event loop; a worker thread may wait for more of them."""

    def __init__(self) -> None:
        self.count = 0
        self._moved = threading.Condition()

    async def run(self) -> None:
        while True:
            with self._moved:
                self.count += 1
                self._moved.notify_all()
            await asyncio.sleep(0.001)

    def wait_for_ticks(self, n: int) -> bool:
        with self._moved:
            start = self.count
            return self._moved.wait_for(lambda: self.count >= start + n, GIVE_UP_S)


class SlowDisk(ResponseCache):
    """The real cache behind a disk that answers after TICKS turns of the loop."""

    def __init__(self, directory: Path, ticker: Ticker) -> None:
        super().__init__(directory)
        self.ticker = ticker
        self.loop_ran: list[tuple[str, bool]] = []  # (call, did the loop run meanwhile)

    def get(self, url: str, params: Params | None, ttl_s: float) -> bytes | None:
        self.loop_ran.append(("get", self.ticker.wait_for_ticks(TICKS)))
        return super().get(url, params, ttl_s)

    def put(self, url: str, params: Params | None, body: bytes) -> None:
        self.loop_ran.append(("put", self.ticker.wait_for_ticks(TICKS)))
        super().put(url, params, body)


async def test_cache_reads_and_writes_leave_the_loop_running(
    sim: SimServer, tmp_path: Path
) -> None:
    ticker = Ticker()
    cache = SlowDisk(tmp_path, ticker)
    url = f"{sim.root_url}/iem/json/cli.py"
    params = {"station": "KNYC", "year": "2026"}
    task = asyncio.create_task(ticker.run())
    try:
        async with WeatherHttp(cache=cache, default_rate=500) as http:
            first = await http.get(url, params, cache_ttl_s=3600)  # miss, then stored
            second = await http.get(url, params, cache_ttl_s=3600)  # hit
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert first == second and http.stats.requests == 1 and http.stats.cache_hits == 1
    assert cache.loop_ran == [("get", True), ("put", True), ("get", True)]
