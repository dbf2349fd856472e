"""Client benchmarks: frames -> book throughput, and the rate limiter against `--tier basic`.

.venv/bin/python benchmarks/bench_client.py            # both (the rate run takes ~100 s)
.venv/bin/python benchmarks/bench_client.py --book     # throughput only
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time

from kalshi_tape.client import KalshiClient
from kalshi_tape.client.ratelimit import REQUEST_COST, TIER_BUDGETS
from kalshi_tape.client.stream import FeedState
from kalshi_tape.client.stream.events import Connected
from kalshi_tape.settings.shared import Settings
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer

MARKETS = 50


def make_frames(count: int, seed: int = 1) -> list[bytes]:
    """Valid era-C delta frames for MARKETS markets (sizes never go negative)."""
    rng = random.Random(seed)
    sizes: dict[tuple[str, str, int], int] = {}
    frames = []
    for seq in range(MARKETS + 1, MARKETS + 1 + count):
        ticker = f"KXHIGHNY-26NOV22-B{rng.randrange(MARKETS)}.5"
        side = rng.choice(("yes", "no"))
        cents = rng.randrange(1, 46) if side == "yes" else rng.randrange(1, 55)
        key = (ticker, side, cents)
        change = rng.randrange(-sizes.get(key, 0), 50_000)
        sizes[key] = sizes.get(key, 0) + change
        msg = {
            "market_ticker": ticker,
            "price_dollars": f"{cents / 100:.4f}",
            "delta_fp": f"{change / 100:.2f}",
            "side": side,
            "ts_ms": 1_795_000_000_000 + seq,
        }
        frame = {"type": "orderbook_delta", "sid": 1, "seq": seq, "msg": msg}
        frames.append(json.dumps(frame, separators=(",", ":")).encode())
    return frames


def ready_state() -> FeedState:
    tickers = [f"KXHIGHNY-26NOV22-B{i}.5" for i in range(MARKETS)]
    state = FeedState(tickers)
    state.on_connected(Connected("ws://bench", False, 1, 0))
    sub_id = json.loads(state.take_outbox()[0])["id"]
    subscribed = {
        "id": sub_id,
        "type": "subscribed",
        "msg": {"channel": "orderbook_delta", "sid": 1},
    }
    state.handle_frame(json.dumps(subscribed).encode(), 0)
    for seq, ticker in enumerate(tickers, start=1):
        snap = {
            "type": "orderbook_snapshot",
            "sid": 1,
            "seq": seq,
            "msg": {"market_ticker": ticker},
        }
        state.handle_frame(json.dumps(snap).encode(), 0)
    assert state.synced
    return state


def bench_book(count: int = 300_000, rounds: int = 3) -> float:
    """Deltas per CPU-second through `FeedState.handle_frame` (the fused path of
    client/stream/fused.py): decode, seq check, apply. CPU time, not wall time, because the
    benchmark machine is shared. The first round also fills the parser's size cache."""
    frames = make_frames(count)
    best = 0.0
    for _ in range(rounds):
        state = ready_state()
        handle = state.handle_frame
        cpu, wall = time.process_time(), time.perf_counter()
        for i, frame in enumerate(frames):
            handle(frame, i)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        assert state.stats.deltas == count and state.stats.gaps == 0, state.stats
        print(f"  round: {count / cpu:,.0f} deltas per CPU-s ({count / wall:,.0f} per wall-s)")
        best = max(best, count / cpu)
    print(f"frames -> book: {count:,} deltas over {MARKETS} markets: {best:,.0f} deltas/s (best)")
    return best


async def _hammer(
    settings: Settings, requests: int, workers: int
) -> tuple[float, dict[int, int], int]:
    async with KalshiClient(settings, rng=random.Random(1)) as client:
        todo = iter(range(requests))

        async def worker() -> None:
            for _ in todo:
                await client.get_exchange_status()

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(workers)))
        return (
            time.monotonic() - started,
            dict(client.stats.responses_by_status),
            client.stats.retries,
        )


def bench_rate_limit(requests: int = 2_000, workers: int = 32) -> None:
    budget = TIER_BUDGETS["basic"]
    assert budget is not None
    with SimServer(SimConfig(seed=1, tier="basic")) as sim:
        settings = Settings(base_url=sim.base_url, tier="basic")
        elapsed, statuses, retries = asyncio.run(_hammer(settings, requests, workers))
    offered = budget.capacity + budget.rate * elapsed
    used = requests * REQUEST_COST / offered
    print(
        f"rate limit (basic: {budget.rate:.0f} tokens/s, capacity {budget.capacity:.0f}):"
        f" {requests:,} requests by {workers} tasks in {elapsed:.1f} s"
        f" = {requests / elapsed:.2f} req/s; statuses {statuses}; retries {retries};"
        f" 429s {statuses.get(429, 0)}; budget used {used:.1%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--book", action="store_true", help="frames -> book only")
    parser.add_argument("--rate", action="store_true", help="rate limiter only")
    parser.add_argument("--rounds", type=int, default=3, help="frames -> book rounds")
    args = parser.parse_args()
    run_all = not (args.book or args.rate)
    if args.book or run_all:
        bench_book(rounds=args.rounds)
    if args.rate or run_all:
        bench_rate_limit()


if __name__ == "__main__":
    main()
