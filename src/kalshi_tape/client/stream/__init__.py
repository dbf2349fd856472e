"""WebSocket stream: one connection, subscriptions, per-sid sequence checks, exact books."""

from kalshi_tape.client.stream import events
from kalshi_tape.client.stream.connection import Connection, ConnectionOptions
from kalshi_tape.client.stream.events import *  # noqa: F403 (the event types, as listed there)
from kalshi_tape.client.stream.feed import BookFeed, FeedState, FeedStats
from kalshi_tape.client.stream.orderbook import BookInvariantError, OrderBook
from kalshi_tape.client.stream.sequence import SequenceTracker
from kalshi_tape.client.stream.subscriptions import ORDERBOOK, SubscriptionManager

__all__ = [
    "ORDERBOOK",
    "BookFeed",
    "BookInvariantError",
    "Connection",
    "ConnectionOptions",
    "FeedState",
    "FeedStats",
    "OrderBook",
    "SequenceTracker",
    "SubscriptionManager",
]
__all__ += events.__all__
