"""Consistency: candles recomputed from the simulator's own trades and quotes equal its
candle endpoints; every settlement is the bracket rule applied to the latent daily high;
the same seed gives the same exchange."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import httpx

from kalshi_tape.sim.server import SimServer

from .conftest import frozen_config

EVENT = "KXHIGHCHI-26NOV21"  # settled, still live (after the cutoff)


def _d(cents: int) -> str:
    return f"{Decimal(cents) / 100:.4f}"


def _expected_candles(
    sim: SimServer, ticker: str, start: int, end: int, period_min: int
) -> list[dict[str, Any]]:
    """Independent recomputation from the exchange's trade and quote history."""
    found = sim.exchange.find_market(ticker)
    assert found is not None
    tl = sim.exchange.market_timeline(*found)
    step = period_min * 60
    quotes = list(zip(tl.quote_ts, tl.quotes, strict=True))
    trades = list(zip(tl.trade_us, tl.trades, tl.open_interest, strict=True))

    def quote_at(ts: int) -> tuple[int, int, int, int]:
        current = (0, 100, 0, 0)
        for qts, q in quotes:
            if qts > ts:
                break
            current = q
        return current

    buckets: dict[int, list[Any]] = defaultdict(list)
    for qts, q in quotes:
        buckets[-(-qts // step) * step].append(("q", q))
    for us, t, _ in trades:
        end_ts = -(-us // (step * 1_000_000)) * step
        buckets[end_ts].append(("t", t))
    out = []
    for e in sorted(buckets):
        if not (start <= e <= min(end, sim.exchange.now_s)):
            continue  # only periods that have ended (the market clock is frozen)
        opening = quote_at(e - step)
        q_in = [opening] + [q for kind, q in buckets[e] if kind == "q"]
        t_in = [t for kind, t in buckets[e] if kind == "t"]
        before = [t for us, t, _ in trades if us <= (e - step) * 1_000_000]
        upto = [oi for us, _, oi in trades if us <= e * 1_000_000]
        bids, asks = [q[0] for q in q_in], [q[1] for q in q_in]
        price: dict[str, str] = {}
        if t_in:
            prices = [t.yes_cents for t in t_in]
            vol = sum(t.count_h for t in t_in)
            mean = Decimal(sum(t.yes_cents * t.count_h for t in t_in)) / vol / 100
            price = {
                "open_dollars": _d(prices[0]),
                "low_dollars": _d(min(prices)),
                "high_dollars": _d(max(prices)),
                "close_dollars": _d(prices[-1]),
                "mean_dollars": f"{mean:.4f}",
                "min_dollars": _d(min(prices)),
                "max_dollars": _d(max(prices)),
            }
        if before:
            price["previous_dollars"] = _d(before[-1].yes_cents)
        out.append(
            {
                "end_period_ts": e,
                "yes_bid": {
                    "open_dollars": _d(bids[0]),
                    "low_dollars": _d(min(bids)),
                    "high_dollars": _d(max(bids)),
                    "close_dollars": _d(bids[-1]),
                },
                "yes_ask": {
                    "open_dollars": _d(asks[0]),
                    "low_dollars": _d(min(asks)),
                    "high_dollars": _d(max(asks)),
                    "close_dollars": _d(asks[-1]),
                },
                "price": price,
                "volume_fp": f"{Decimal(sum(t.count_h for t in t_in)) / 100:.2f}",
                "open_interest_fp": f"{Decimal(upto[-1] if upto else 0) / 100:.2f}",
            }
        )
    return out


def test_candles_equal_recomputation(sim: SimServer, http: httpx.Client) -> None:
    markets = http.get(f"/events/{EVENT}").json()["markets"]
    start = int(
        __import__("datetime")
        .datetime.fromisoformat(markets[0]["open_time"].replace("Z", "+00:00"))
        .timestamp()
    )
    end = start + 3 * 86400
    checked = 0
    for m in markets:
        for period in (1, 60, 1440):
            got = http.get(
                f"/series/KXHIGHCHI/markets/{m['ticker']}/candlesticks",
                params={
                    "start_ts": start,
                    "end_ts": min(end, start + 4999 * period * 60),
                    "period_interval": period,
                },
            ).json()["candlesticks"]
            want = _expected_candles(
                sim, m["ticker"], start, min(end, start + 4999 * period * 60), period
            )
            assert got == want, (m["ticker"], period)
            checked += len(got)
    assert checked > 500


def test_trades_endpoint_matches_history(sim: SimServer, http: httpx.Client) -> None:
    ticker = http.get(f"/events/{EVENT}").json()["markets"][2]["ticker"]
    rows = http.get("/markets/trades", params={"ticker": ticker, "limit": 1000}).json()["trades"]
    found = sim.exchange.find_market(ticker)
    assert found is not None
    history = sim.exchange.market_timeline(*found).trades
    assert [t["trade_id"] for t in rows] == [t.trade_id for t in reversed(history)]
    assert sum(Decimal(t["count_fp"]) for t in rows) == Decimal(
        http.get(f"/markets/{ticker}").json()["market"]["volume_fp"]
    )


def _pays(kind: str, floor: int | None, cap: int | None, value: int) -> bool:
    if kind == "between":
        return floor is not None and cap is not None and floor <= value <= cap
    if kind == "greater":
        return floor is not None and value > floor
    return cap is not None and value < cap


def test_settlement_is_the_bracket_rule_on_the_latent_high(
    sim: SimServer, http: httpx.Client
) -> None:
    settled = []
    for path in ("/markets", "/historical/markets"):
        cursor = ""
        while True:
            body = http.get(path, params={"limit": 1000, "cursor": cursor}).json()
            settled += [m for m in body["markets"] if m["status"] == "finalized"]
            cursor = body["cursor"]
            if not cursor:
                break
    assert len(settled) >= 7 * 12 * 6
    per_event: dict[str, list[str]] = defaultdict(list)
    for m in settled:
        event = sim.exchange.find_event(m["event_ticker"])
        assert event is not None
        high = round(max(event.path))  # the latent path's daily maximum, whole °F
        assert m["expiration_value"] == str(high)
        expected = (
            "yes"
            if _pays(m["strike_type"], m.get("floor_strike"), m.get("cap_strike"), high)
            else "no"
        )
        assert m["result"] == expected, m["ticker"]
        assert m["settlement_value_dollars"] == ("1.0000" if expected == "yes" else "0.0000")
        per_event[m["event_ticker"]].append(m["result"])
    assert all(results.count("yes") == 1 for results in per_event.values())


def test_same_seed_same_exchange_other_seed_differs() -> None:
    bodies = []
    for seed in (7, 7, 8):
        with SimServer(frozen_config(seed=seed)) as server:
            bodies.append(
                httpx.get(f"{server.base_url}/markets/trades", params={"limit": 300}).content
            )
    assert bodies[0] == bodies[1] != bodies[2]


def test_book_deltas_never_pass_through_a_crossed_book(sim: SimServer) -> None:
    """Within one quote move the sim sends removals first, as an exchange would: applying
    the deltas one by one never leaves a negative size or best yes bid + best no bid >= $1."""
    from kalshi_tape.sim.exchange import BookChange
    from kalshi_tape.sim.generator import EMPTY_QUOTE, book_levels

    exchange = sim.exchange
    spec = exchange.events("KXHIGHNY")[-1]  # the oldest: a whole, settled history
    checked = 0
    for market in spec.markets:
        previous = EMPTY_QUOTE
        for quote in exchange.market_timeline(spec, market).quotes[:400]:
            yes, no = (dict(side) for side in book_levels(market, previous, False))
            for side, price, size in BookChange(0, market, previous, quote, False).deltas():
                book = yes if side == "yes" else no
                book[price] = book.get(price, 0) + size
                assert book[price] >= 0, (market.ticker, side, price)
                if book[price] == 0:
                    del book[price]
                if yes and no:
                    assert max(yes) + max(no) < 100, (market.ticker, quote)
                checked += 1
            previous = quote
    assert checked > 1000
