"""Kalshi client: signed, rate-limited REST with historical routing, and a self-healing
WebSocket order-book feed. See docs/client.md."""

from kalshi_tape.client.auth import KalshiAuth, Signer, load_private_key
from kalshi_tape.client.http import HttpStats
from kalshi_tape.client.pagination import paginate
from kalshi_tape.client.ratelimit import TIER_BUDGETS, TokenBucket, limiter_for_tier
from kalshi_tape.client.rest import KalshiClient
from kalshi_tape.client.retry import Backoff, RetryPolicy
from kalshi_tape.client.stream import BookFeed, OrderBook
from kalshi_tape.client.sync import SyncKalshiClient

__all__ = [
    "TIER_BUDGETS",
    "Backoff",
    "BookFeed",
    "HttpStats",
    "KalshiAuth",
    "KalshiClient",
    "OrderBook",
    "RetryPolicy",
    "Signer",
    "SyncKalshiClient",
    "TokenBucket",
    "limiter_for_tier",
    "load_private_key",
    "paginate",
]
