"""Every REST method against the simulator over loopback, and live/historical routing."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from kalshi_tape.client import KalshiClient, SyncKalshiClient
from kalshi_tape.core.errors import ApiError, NotFound
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from tests.client.conftest import FAST_BACKOFF

SIM_NOW = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)
HOUR = 3600


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=4, now=SIM_NOW, speed=0, days=12)) as server:
        yield server


@pytest.fixture
async def client(sim: SimServer) -> AsyncIterator[KalshiClient]:
    settings = Settings(base_url=sim.base_url, tier="unlimited")
    async with KalshiClient(settings, rng=random.Random(1), backoff=FAST_BACKOFF) as c:
        yield c


async def test_exchange_and_series(client: KalshiClient) -> None:
    assert (await client.get_exchange_status()).exchange_active
    assert (await client.get_exchange_schedule()).standard_hours
    series = await client.get_series("KXHIGHNY")
    assert series.ticker == "KXHIGHNY"
    listed = await client.get_series_list(category=series.category)
    assert "KXHIGHNY" in {s.ticker for s in listed}


async def test_events_pages_and_iterator_agree(client: KalshiClient) -> None:
    every = [e async for e in client.iter_events(series_ticker="KXHIGHNY", limit=3)]
    assert len(every) == len({e.event_ticker for e in every}) >= 10
    first = await client.get_events(series_ticker="KXHIGHNY", limit=3)
    assert [e.event_ticker for e in first.items] == [e.event_ticker for e in every[:3]]
    assert first.cursor
    event = await client.get_event(every[0].event_ticker)
    assert event.series_ticker == "KXHIGHNY"


async def test_markets_orderbooks_and_candles(client: KalshiClient) -> None:
    markets = [m async for m in client.iter_markets(series_ticker="KXHIGHNY", status="open")]
    assert markets
    market = await client.get_market(markets[0].ticker)
    assert market == markets[0]
    book = await client.get_orderbook(market.ticker)
    assert book.ticker == market.ticker and (book.yes or book.no)
    shallow = await client.get_orderbook(market.ticker, depth=1)
    assert len(shallow.yes) <= 1 and len(shallow.no) <= 1
    books = await client.get_orderbooks([m.ticker for m in markets])
    assert [b.ticker for b in books] == [m.ticker for m in markets]
    end = int(SIM_NOW.timestamp()) // HOUR * HOUR
    window = {"start_ts": end - 24 * HOUR, "end_ts": end, "period_interval": 60}
    candles = await client.get_market_candlesticks("KXHIGHNY", market.ticker, **window)
    assert candles.ticker == market.ticker
    batch = await client.get_batch_candlesticks([m.ticker for m in markets], **window)
    assert {c.ticker for c in batch} == {m.ticker for m in markets}
    assert next(c for c in batch if c.ticker == market.ticker) == candles
    event = await client.get_event_candlesticks("KXHIGHNY", market.event_ticker, **window)
    siblings = {m.ticker for m in markets if m.event_ticker == market.event_ticker}
    assert {c.ticker for c in event.markets} == siblings


async def test_event_candles_follow_adjusted_end_ts(client: KalshiClient) -> None:
    event = (await client.get_events(series_ticker="KXHIGHNY", status="settled", limit=1)).items[0]
    end = int(SIM_NOW.timestamp()) // 60 * 60
    window = {"start_ts": end - 2 * 24 * HOUR, "end_ts": end, "period_interval": 1}
    one = await client.get_event_candlesticks("KXHIGHNY", event.event_ticker, **window)
    assert one.adjusted_end_ts is not None and one.adjusted_end_ts < end
    every = await client.get_event_candlesticks_all("KXHIGHNY", event.event_ticker, **window)
    for part, whole in zip(one.markets, every.markets, strict=True):
        assert whole.candlesticks[: len(part.candlesticks)] == part.candlesticks
        ends = [c.end_period_ts for c in whole.candlesticks]
        assert ends == sorted(set(ends))


async def test_errors_are_typed(client: KalshiClient) -> None:
    with pytest.raises(NotFound, match="/markets/NOPE"):
        await client.get_market("NOPE")
    with pytest.raises(ApiError) as info:
        await client.get_trades(limit=5000)
    assert info.value.status == 400


async def test_historical_routing_finds_old_markets_and_splits_trades(
    client: KalshiClient,
) -> None:
    cutoff = await client.get_historical_cutoff()
    assert await client.get_historical_cutoff() is cutoff  # cached
    old = (await client.get_historical_markets(series_ticker="KXHIGHNY", limit=1)).items[0]
    with pytest.raises(NotFound):
        await client.get_market(old.ticker)
    assert await client.find_market(old.ticker) == old
    assert await client.get_historical_market(old.ticker) == old
    live = (await client.get_markets(series_ticker="KXHIGHNY", status="open", limit=1)).items[0]
    assert await client.find_market(live.ticker) == live

    # a market whose trades straddle the trades cutoff
    straddling = await _market_straddling_cutoff(client, cutoff.trades_created_ts)
    routed = [t async for t in client.iter_trades_routed(straddling)]
    live_trades = [t async for t in client.iter_trades(ticker=straddling)]
    old_trades = [t async for t in client.iter_historical_trades(ticker=straddling)]
    assert live_trades and old_trades
    assert sorted(t.trade_id for t in routed) == sorted(
        t.trade_id for t in live_trades + old_trades
    )
    assert len({t.trade_id for t in routed}) == len(routed)
    assert all(t.created_time >= cutoff.trades_created_ts for t in live_trades)
    cut_s = int(cutoff.trades_created_ts.timestamp())
    window = [t async for t in client.iter_trades_routed(straddling, min_ts=cut_s - 3 * HOUR)]
    assert {t.trade_id for t in window} == {
        t.trade_id for t in routed if t.created_time.timestamp() >= cut_s - 3 * HOUR
    }

    old_candles = await client.get_market_candlesticks_routed(
        old.ticker, start_ts=cut_s - 20 * 24 * HOUR, end_ts=cut_s, period_interval=1440
    )
    assert old_candles.ticker == old.ticker and old_candles.candlesticks


async def _market_straddling_cutoff(client: KalshiClient, cutoff: datetime) -> str:
    cut_s = int(cutoff.timestamp())
    page = await client.get_trades(min_ts=cut_s, max_ts=cut_s + 12 * HOUR, limit=1000)
    for trade in reversed(page.items):
        older = await client.get_historical_trades(ticker=trade.ticker, limit=1)
        if older.items:
            return trade.ticker
    raise AssertionError("no market with trades on both sides of the cutoff")


def test_sync_facade(sim: SimServer) -> None:
    settings = Settings(base_url=sim.base_url, tier="unlimited")
    with SyncKalshiClient(settings) as client:
        assert client.get_series("KXHIGHNY").ticker == "KXHIGHNY"
        events = list(client.iter_events(series_ticker="KXHIGHNY", limit=5))
        assert len(events) >= 10
        assert client.stats.requests >= 4
