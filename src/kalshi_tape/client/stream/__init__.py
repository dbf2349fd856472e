"""WebSocket stream: one connection, subscriptions, per-sid sequence checks, exact books."""

from kalshi_tape.client.stream.connection import Connection, ConnectionOptions
from kalshi_tape.client.stream.events import (
    ChannelError,
    Connected,
    Disconnected,
    FeedEvent,
    Gap,
    Malformed,
    Resync,
    Resynced,
    ResyncStep,
)
from kalshi_tape.client.stream.feed import BookFeed, FeedState, FeedStats
from kalshi_tape.client.stream.orderbook import BookInvariantError, OrderBook
from kalshi_tape.client.stream.sequence import SequenceTracker
from kalshi_tape.client.stream.subscriptions import ORDERBOOK, SubscriptionManager

__all__ = [
    "ORDERBOOK",
    "BookFeed",
    "BookInvariantError",
    "ChannelError",
    "Connected",
    "Connection",
    "ConnectionOptions",
    "Disconnected",
    "FeedEvent",
    "FeedState",
    "FeedStats",
    "Gap",
    "Malformed",
    "OrderBook",
    "Resync",
    "ResyncStep",
    "Resynced",
    "SequenceTracker",
    "SubscriptionManager",
]
