"""The full order book implied by a quote: a deterministic ladder of resting size behind the
best level on each side (yes bids, no bids), ascending by price."""

from __future__ import annotations

import functools

from kalshi_tape.sim.model import Level, MarketSpec, Quote

BookLevels = tuple[list[Level], list[Level]]  # (yes bids, no bids), each ascending by price


def _level_size(seed: int, side: int, price: int, whole: bool) -> int:
    x = (seed ^ (side * 0x9E3779B1) ^ (price * 0x85EBCA77)) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x2C1B3C6D) & 0xFFFFFFFF
    x ^= x >> 12
    contracts = 5 + x % 800
    if whole:
        return contracts * 100
    return contracts * 100 + (x >> 20) % 100


def book_levels(market: MarketSpec, quote: Quote, whole: bool) -> BookLevels:
    """The full book implied by a quote: (yes bids, no bids), each ascending by price."""
    bid, ask, bid_size, ask_size = quote
    yes = _side_levels(market, 0, bid, bid_size, whole)
    no = _side_levels(market, 1, 100 - ask, ask_size, whole)
    return yes, no


@functools.lru_cache(maxsize=4096)
def _ladder(seed: int, side: int, whole: bool) -> tuple[int, ...]:
    """Resting size behind the best level at every price (0 = a hole in the ladder)."""
    sizes = [_level_size(seed, side, price, whole) for price in range(101)]
    return tuple(0 if size % 3 == 0 else size for size in sizes)


def _side_levels(
    market: MarketSpec, side: int, best: int, best_size: int, whole: bool
) -> list[Level]:
    if best <= 0 or best_size <= 0:
        return []
    ladder = _ladder(market.size_seed, side, whole)
    levels = [(best, best_size)]
    for price in range(best - 1, max(0, best - market.depth * 2), -1):
        size = ladder[price]
        if size:
            levels.append((price, size))
            if len(levels) >= market.depth:
                break
    levels.reverse()
    return levels
