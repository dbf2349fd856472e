"""Decode+parse throughput of the hot wire shapes, one core, in-process.

    .venv/bin/python benchmarks/bench_parse.py [--quick]

Frames and pages are generated with a seeded RNG in the current (era C) shape, plus an era-A
delta run. Each measurement is the best of several repeats of parsing every input once
(bytes in, domain objects out), timed in CPU seconds of this process (`process_time`), so
other work on a shared machine does not count against us. Target (issue 2): >= 300,000
orderbook_delta frames/s.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from kalshi_tape.parse import (
    parse_market_candlesticks,
    parse_stream_message,
    parse_trades_page,
)

DELTA_TARGET = 300_000


def _dollars(rng: random.Random) -> str:
    return f"0.{rng.randint(1, 99):02d}00"


def _size(rng: random.Random, unique: bool) -> str:
    if unique:  # every size distinct: the value caches in parse.common never hit
        return f"{rng.randint(1, 10**7)}.{rng.randint(0, 99):02d}"
    if rng.random() < 0.1:  # real books carry some fractional sizes ("531.10")
        return f"{rng.randint(1, 2000)}.{rng.randint(0, 99):02d}"
    return f"{rng.randint(1, 500)}.00"


def delta_frames(n: int, *, unique_sizes: bool = False, era_a: bool = False) -> list[bytes]:
    rng = random.Random(7)
    tickers = [f"KXHIGHNY-26AUG23-B{t}.5" for t in range(70, 90, 2)]
    frames = []
    for seq in range(1, n + 1):
        sign = "-" if rng.random() < 0.5 else ""
        if era_a:
            msg: dict[str, Any] = {
                "market_ticker": rng.choice(tickers),
                "price": rng.randint(1, 99),
                "delta": int(sign + str(rng.randint(1, 500))),
                "side": rng.choice(("yes", "no")),
            }
        else:
            msg = {
                "market_ticker": rng.choice(tickers),
                "market_id": "9b0f6b43-5b68-4f9f-9f02-9a2d1b8ac1a1",
                "price_dollars": _dollars(rng),
                "delta_fp": sign + _size(rng, unique_sizes),
                "side": rng.choice(("yes", "no")),
                "ts_ms": 1786410915566 + seq,
            }
        frame = {"type": "orderbook_delta", "sid": 1, "seq": seq, "msg": msg}
        frames.append(json.dumps(frame, separators=(",", ":")).encode())
    return frames


def trades_pages(pages: int, per_page: int = 1000) -> list[bytes]:
    rng = random.Random(11)
    out = []
    for page in range(pages):
        trades = []
        for i in range(per_page):
            yes = rng.randint(1, 99)
            side = rng.choice(("yes", "no"))
            trades.append(
                {
                    "trade_id": f"{page:08x}-{i:04x}-4e3b-9a0e-3c2d4b5a6f70",
                    "ticker": "KXHIGHNY-26SEP01-T90",
                    "count_fp": _size(rng, False),
                    "yes_price_dollars": f"0.{yes:02d}00",
                    "no_price_dollars": f"0.{100 - yes:02d}00",
                    "taker_side": side,
                    "taker_outcome_side": side,
                    "taker_book_side": "bid" if side == "yes" else "ask",
                    "created_time": f"2026-09-01T01:{i % 60:02d}:15.{i:06d}Z",
                    "is_block_trade": False,
                }
            )
        body = {"trades": trades, "cursor": f"cursor-{page}"}
        out.append(json.dumps(body, separators=(",", ":")).encode())
    return out


def candle_responses(responses: int, per_response: int = 1440) -> list[bytes]:
    rng = random.Random(13)
    out = []
    for r in range(responses):
        candles = []
        for i in range(per_response):
            quote = {f"{k}_dollars": _dollars(rng) for k in ("open", "high", "low", "close")}
            ask = {f"{k}_dollars": _dollars(rng) for k in ("open", "high", "low", "close")}
            traded = i % 3 != 0
            names = ("open", "high", "low", "close", "mean", "min", "max")
            price = {f"{k}_dollars": _dollars(rng) for k in names} if traded else {}
            price["previous_dollars"] = _dollars(rng)
            candles.append(
                {
                    "end_period_ts": 1776109260 + 60 * i,
                    "yes_bid": quote,
                    "yes_ask": ask,
                    "price": price,
                    "volume_fp": _size(rng, False) if traded else "0.00",
                    "open_interest_fp": f"{10000 + i}.00",
                }
            )
        body = {"ticker": f"KXHIGHNY-26JUN{r % 28 + 1:02d}-B79.5", "candlesticks": candles}
        out.append(json.dumps(body, separators=(",", ":")).encode())
    return out


def best_rate(parse: Callable[[bytes], Any], inputs: Sequence[bytes], repeats: int) -> float:
    """Inputs per CPU second, best of `repeats` full passes."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for data in inputs:
            parse(data)
        best = min(best, time.process_time() - start)
    return len(inputs) / best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="decode+parse throughput")
    parser.add_argument("--quick", action="store_true", help="small inputs, one repeat")
    args = parser.parse_args(argv)
    scale, repeats = (10, 1) if args.quick else (1, 5)
    print(f"python {platform.python_version()} on {platform.machine()}, one core")

    frames = delta_frames(200_000 // scale)
    delta_rate = best_rate(lambda b: parse_stream_message(b, 0), frames, repeats)
    print(f"orderbook_delta (era C, realistic sizes): {delta_rate:12,.0f} frames/s")
    unique = delta_frames(200_000 // scale, unique_sizes=True)
    rate = best_rate(lambda b: parse_stream_message(b, 0), unique, 1)
    print(f"orderbook_delta (era C, every size new):  {rate:12,.0f} frames/s")
    legacy = delta_frames(200_000 // scale, era_a=True)
    rate = best_rate(lambda b: parse_stream_message(b, 0), legacy, repeats)
    print(f"orderbook_delta (era A cents):            {rate:12,.0f} frames/s")

    pages = trades_pages(40 // scale or 1)
    rate = best_rate(parse_trades_page, pages, repeats)
    print(
        f"trades pages (1000 trades each):          {rate:12,.1f} pages/s"
        f" = {rate * 1000:,.0f} trades/s"
    )

    responses = candle_responses(20 // scale or 1)
    rate = best_rate(parse_market_candlesticks, responses, repeats)
    print(
        f"candlestick responses (1440 candles):     {rate:12,.1f} responses/s"
        f" = {rate * 1440:,.0f} candles/s"
    )
    verdict = "meets" if delta_rate >= DELTA_TARGET else "MISSES"
    print(f"target >= {DELTA_TARGET:,} orderbook_delta frames/s: {verdict}")
    return 0 if delta_rate >= DELTA_TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
