"""Row types the store accepts besides the domain objects (frozen msgspec structs)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal, TypedDict

import msgspec

from kalshi_tape.core.domain import (
    Candlestick,
    Event,
    Market,
    OrderbookDelta,
    OrderbookSnapshot,
    Series,
    Trade,
    TradeUpdate,
)
from kalshi_tape.core.money import Count, Price

CandleSource = Literal["kalshi", "trades", "collector"]
GapKind = Literal["gap", "resync", "resync_step", "resynced", "reconnect"]
# kinds after which a book is unknown until its next snapshot
LOSS_KINDS: tuple[str, ...] = ("gap", "resync", "reconnect")


class CandleRecord(msgspec.Struct, frozen=True, gc=False):
    """One candle of one market: Kalshi's (`source="kalshi"`), computed from stored trades
    (`"trades"`) or built live by the collector from its quotes and trades (`"collector"`)."""

    market_ticker: str
    period_minutes: int
    source: CandleSource
    candle: Candlestick


class BackfillProgress(msgspec.Struct, frozen=True):
    """A backfill checkpoint, committed in the same transaction as the rows it covers."""

    task_key: str
    kind: str
    rows: int
    requests: int
    detail: str = ""
    done: bool = True


class MarketSnapshotRow(msgspec.Struct, frozen=True, gc=False):
    """Top of book of one market at one instant, and what triggered the snapshot."""

    market_ticker: str
    received_ns: int
    trigger: str
    yes_bid: Price | None = None
    yes_bid_size: Count | None = None
    yes_ask: Price | None = None
    yes_ask_size: Count | None = None
    last_price: Price | None = None
    volume: Count | None = None
    open_interest: Count | None = None
    exchange_ts_ms: int | None = None
    sid: int | None = None
    seq: int | None = None


class SequenceGapRow(msgspec.Struct, frozen=True):
    """A stream integrity event; `sid=0` / `market_ticker=""` mean the whole connection."""

    received_ns: int
    kind: GapKind
    sid: int = 0
    market_ticker: str = ""
    expected_seq: int | None = None
    got_seq: int | None = None
    detail: str = ""
    cause: str | None = None
    duration_ns: int | None = None


class WeatherObservationRow(msgspec.Struct, frozen=True):
    station: str
    source: str
    observed_at: datetime
    temperature_f: Decimal | None = None
    dewpoint_f: Decimal | None = None
    raw_text: str | None = None
    max_6h_f: Decimal | None = None
    min_6h_f: Decimal | None = None
    max_24h_f: Decimal | None = None
    min_24h_f: Decimal | None = None


class DailyClimateRow(msgspec.Struct, frozen=True):
    station: str
    climate_date: date
    source: str
    max_temp_f: Decimal | None = None
    min_temp_f: Decimal | None = None
    is_final: bool | None = None
    issued_at: datetime | None = None
    raw_text: str | None = None


class WeatherForecastRow(msgspec.Struct, frozen=True):
    """One hourly period of one issued forecast (table weather_forecasts)."""

    station: str
    source: str
    issued_at: datetime
    valid_start: datetime
    valid_end: datetime | None = None
    temperature_f: Decimal | None = None
    dewpoint_f: Decimal | None = None
    precip_probability: int | None = None
    short_forecast: str | None = None
    fetched_at: datetime | None = None


class ChunkRows(TypedDict, total=False):
    """What `Store.commit_chunk` takes besides the checkpoint: rows by table name."""

    series: Iterable[Series]
    events: Iterable[Event]
    markets: Iterable[Market]
    candles: Iterable[CandleRecord]
    trades: Iterable[Trade]
    market_snapshots: Iterable[MarketSnapshotRow]
    orderbook_snapshots: Iterable[OrderbookSnapshot]
    orderbook_deltas: Iterable[OrderbookDelta]
    sequence_gaps: Iterable[SequenceGapRow]
    weather_observations: Iterable[WeatherObservationRow]
    daily_climate: Iterable[DailyClimateRow]
    weather_forecasts: Iterable[WeatherForecastRow]


def trade_from_update(update: TradeUpdate) -> Trade:
    """A trade-channel message as a `trades` row: time from `exchange_ts_ms`, else
    `received_ns`. Same `trade_id` as REST, so the two upsert into one row."""
    ns = update.received_ns if update.exchange_ts_ms is None else update.exchange_ts_ms * 10**6
    created = datetime.fromtimestamp(ns // 10**9, UTC).replace(microsecond=ns // 1000 % 10**6)
    return Trade(
        trade_id=update.trade_id,
        ticker=update.market_ticker,
        yes_price=update.yes_price,
        no_price=update.no_price,
        count=update.count,
        taker_side=update.taker_side,
        created_time=created,
        is_block_trade=update.is_block_trade,
    )
