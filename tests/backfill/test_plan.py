"""Request planning: counts for given spans and limits, routing, resume keys."""

from __future__ import annotations

import itertools

import pytest

from kalshi_tape.backfill.plan import (
    BATCH_SLOT_LIMIT,
    EVENT_SLOT_LIMIT,
    MarketTarget,
    candle_window,
    make_plan,
    plan_candles,
    plan_trades,
    slot_count,
    split_window,
)

HOUR = 3600
DAY = 86400
T0 = 1_780_000_000 - 1_780_000_000 % DAY  # a UTC midnight
FAR_FUTURE = T0 + 10_000 * DAY
PERIODS_ALL = (1, 60, 1440)


def event_markets(
    event: str, open_ts: int, hours: int, n: int = 6, **kw: object
) -> list[MarketTarget]:
    defaults: dict[str, object] = {"historical": False, "has_volume": True, "settled": True}
    defaults.update(kw)
    return [
        MarketTarget(
            ticker=f"{event}-B{i}",
            event_ticker=event,
            series_ticker=event.split("-")[0],
            open_ts=open_ts,
            close_ts=open_ts + hours * HOUR,
            **defaults,  # type: ignore[arg-type]
        )
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("start", "end", "period", "expected"),
    [
        (T0, T0, 1, 1),  # an end on a boundary counts
        (T0 + 1, T0 + 59, 1, 0),
        (T0, T0 + HOUR, 1, 61),
        (T0 + 1, T0 + HOUR, 60, 1),
        (T0, T0 + DAY, 1440, 2),
        (T0 + 30, T0 + 90, 1, 1),
    ],
)
def test_slot_count(start: int, end: int, period: int, expected: int) -> None:
    assert slot_count(start, end, period) == expected


def test_split_window_covers_every_slot_once() -> None:
    chunks = split_window(T0 + 17, T0 + 38 * HOUR + 5, 1, 833)
    assert sum(slot_count(s, e, 1) for s, e in chunks) == slot_count(T0 + 17, T0 + 38 * HOUR + 5, 1)
    assert all(slot_count(s, e, 1) <= 833 for s, e in chunks)
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(chunks))


def test_one_minute_candles_of_one_event_use_the_cheaper_route() -> None:
    markets = event_markets("KXHIGHNY-26JUN02", T0 + 14 * HOUR, 38)
    requests = plan_candles(markets, [1], FAR_FUTURE)
    slots_per_market = slot_count(*candle_window(markets[0], 1, FAR_FUTURE), 1)  # type: ignore[misc]
    assert slots_per_market == 38 * 60 + 1
    # event route: 5000 // 6 = 833 periods per call -> ceil(2281/833) = 3 calls;
    # batch route: 10000 // 2281 = 4 tickers per call -> 2 calls. Batch wins.
    assert len(requests) == 2
    assert {r.route for r in requests} == {"batch"}
    assert sorted(t for r in requests for t in r.tickers) == sorted(m.ticker for m in markets)
    assert all(r.slots <= BATCH_SLOT_LIMIT for r in requests)


def test_hourly_candles_of_a_week_pack_into_few_batches() -> None:
    markets = [m for d in range(7) for m in event_markets(f"KXHIGHNY-E{d}", T0 + d * DAY, 38)]
    requests = plan_candles(markets, [60], FAR_FUTURE)
    # union window ~ 6 days + 38 h = 183 periods; 42 tickers * 183 = 7,686 slots: one call
    assert len(requests) == 1
    assert requests[0].route == "batch" and len(requests[0].tickers) == 42


def test_event_route_when_it_is_cheaper() -> None:
    # 100 markets in one event, 1 period each: event route = 1 call, batch = 1 call; tie -> event
    markets = event_markets("KXBIG-26JUN02", T0, 1, n=100)
    requests = plan_candles(markets, [1440], FAR_FUTURE)
    assert len(requests) == 1 and requests[0].route == "event"
    assert requests[0].slots <= EVENT_SLOT_LIMIT


def test_historical_markets_get_one_request_per_market_and_chunk() -> None:
    markets = event_markets("KXHIGHNY-26JAN02", T0, 38, historical=True)
    requests = plan_candles(markets, [1, 60], FAR_FUTURE)
    assert {r.route for r in requests} == {"historical"}
    assert len(requests) == 6 * 1 + 6 * 1  # 2281 one-minute slots fit in 5,000
    long = event_markets("KXLONG-26JAN02", T0, 24 * 5, n=1, historical=True)
    assert len(plan_candles(long, [1], FAR_FUTURE)) == 2  # 7,201 slots -> 2 chunks


def test_live_markets_stop_at_now() -> None:
    markets = event_markets("KXHIGHNY-26JUN02", T0, 38, settled=False)
    now = T0 + 10 * HOUR + 30
    (request,) = plan_candles(markets, [60], now)
    assert request.end_ts == T0 + 10 * HOUR
    assert plan_candles(markets, [60], T0 - 1) == []  # not open yet: nothing to fetch


def test_trades_split_at_the_cutoff_and_skip_markets_without_volume() -> None:
    cutoff = T0 + 20 * HOUR
    straddling = event_markets("KXA-1", T0, 38, n=1)
    before = event_markets("KXB-1", T0 - 3 * DAY, 38, n=1)
    after = event_markets("KXC-1", cutoff + HOUR, 38, n=1)
    quiet = event_markets("KXD-1", T0, 38, n=1, has_volume=False)
    requests = plan_trades(straddling + before + after + quiet, cutoff, FAR_FUTURE)
    routes = [(r.ticker, r.route) for r in requests]
    assert routes == [
        ("KXA-1-B0", "historical"),
        ("KXA-1-B0", "live"),
        ("KXB-1-B0", "historical"),
        ("KXC-1-B0", "live"),
    ]
    hist, live = requests[0], requests[1]
    assert hist.max_ts == cutoff and live.min_ts == cutoff


def test_plan_keys_are_stable_and_resume_drops_finished_requests() -> None:
    markets = [m for d in range(3) for m in event_markets(f"KXHIGHNY-E{d}", T0 + d * DAY, 38)]
    plan = make_plan(markets, [1, 60, 1440], trades=True, trades_cutoff_ts=T0, now_ts=FAR_FUTURE)
    again = make_plan(markets, [1, 60, 1440], trades=True, trades_cutoff_ts=T0, now_ts=FAR_FUTURE)
    assert plan == again
    keys = [r.key for r in plan.candles] + [r.key for r in plan.trades]
    assert len(keys) == len(set(keys))
    finished = set(keys[::2])
    rest = plan.without(finished)
    assert rest.request_lower_bound == plan.request_lower_bound - len(finished)
    assert plan.without(set(keys)).request_lower_bound == 0


def test_closed_markets_have_keys_independent_of_now() -> None:
    markets = [m for d in range(3) for m in event_markets(f"KXHIGHNY-E{d}", T0 + d * DAY, 38)]
    last_close = max(m.close_ts for m in markets)
    early = make_plan(
        markets, PERIODS_ALL, trades=True, trades_cutoff_ts=T0, now_ts=last_close + DAY
    )
    later = make_plan(markets, PERIODS_ALL, trades=True, trades_cutoff_ts=T0, now_ts=FAR_FUTURE)
    assert [r.key for r in early.candles] == [r.key for r in later.candles]
    assert [r.key for r in early.trades] == [r.key for r in later.trades]
    assert all(r.final for r in (*early.candles, *early.trades))


def test_markets_still_trading_are_never_final() -> None:
    markets = event_markets("KXHIGHNY-26JUN02", T0, 38, settled=False)
    now = T0 + 20 * HOUR
    plan = make_plan(markets, PERIODS_ALL, trades=True, trades_cutoff_ts=T0 - DAY, now_ts=now)
    assert plan.candles and plan.trades
    assert not any(r.final for r in (*plan.candles, *plan.trades))


def test_an_event_too_large_for_the_event_route_uses_batches() -> None:
    markets = event_markets("KXHUGE-26JUN02", T0, 1, n=5_001)
    requests = plan_candles(markets, [1440], FAR_FUTURE)
    assert requests and {r.route for r in requests} == {"batch"}
    assert all(r.slots <= BATCH_SLOT_LIMIT and len(r.tickers) <= 100 for r in requests)
