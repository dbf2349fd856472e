"""The feed builds the same exact books from every wire era the simulator can speak."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from kalshi_tape.client import BookFeed
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer


async def _synced_books(feed: BookFeed) -> None:
    async for _ in feed.events():
        if feed.synced:
            return


@pytest.mark.parametrize("era", ["fixed", "dual", "cents"])
async def test_books_match_the_truth_in_every_era(era: str) -> None:
    with SimServer(SimConfig(seed=6, speed=0, wire_era=era)) as sim:  # type: ignore[arg-type]
        async with httpx.AsyncClient() as http:
            page = (await http.get(f"{sim.base_url}/markets", params={"status": "open"})).json()
            tickers = [m["ticker"] for m in page["markets"][:6]]
            settings = Settings(base_url=sim.base_url, tier="unlimited")
            async with BookFeed(settings, tickers) as feed:
                await asyncio.wait_for(_synced_books(feed), 10)
                for ticker in tickers:
                    truth = (await http.get(f"{sim.admin_url}/book/{ticker}")).json()
                    assert feed.books[ticker].to_json() == truth
