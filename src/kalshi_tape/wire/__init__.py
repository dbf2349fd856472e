"""Structs mirroring Kalshi's JSON exactly, in all three wire eras.

Era A sends integer cents and counts (`yes_bid`, `volume`, `[[42, 13]]`), era B adds
`*_dollars` and `*_fp` strings beside them, era C sends only the strings. Every era
field is therefore optional here; `kalshi_tape.parse` decides which one to believe.
Historical candles reuse unsuffixed names for dollar strings, hence `int | str`.

The client decodes with these structs and the simulator encodes with them
(`omit_defaults=True`: a None field is left out, as Kalshi leaves out null keys).
Unknown keys are ignored, so new exchange fields never break decoding.
Nothing outside `kalshi_tape.parse` and the simulator should import this package.

One import surface: `from kalshi_tape.wire import WMarket` (or `from kalshi_tape import wire as
w`) for every struct; the structs live in submodules by topic (common, markets, trades,
candles, books, exchange, stream).
"""

from __future__ import annotations

from kalshi_tape.wire.books import (
    CentsLevel,
    DollarLevel,
    WMarketOrderbook,
    WOrderbookFp,
    WOrderbookLegacy,
    WOrderbookResponse,
    WOrderbooksResponse,
)
from kalshi_tape.wire.candles import (
    WBatchCandlesticksResponse,
    WBatchMarketCandlesticks,
    WCandlestick,
    WEventCandlesticksResponse,
    WMarketCandlesticksResponse,
    WPriceDist,
    WQuoteDist,
)
from kalshi_tape.wire.common import CentsOrDollars, CountOrFp, Timestamp, Wire
from kalshi_tape.wire.exchange import (
    WDailySchedule,
    WErrorDetail,
    WErrorResponse,
    WExchangeIndexStatus,
    WExchangeStatus,
    WHistoricalCutoff,
    WMaintenanceWindow,
    WSchedule,
    WScheduleResponse,
    WWeeklySchedule,
)
from kalshi_tape.wire.markets import (
    WEvent,
    WEventResponse,
    WEventsResponse,
    WMarket,
    WMarketResponse,
    WMarketsResponse,
    WPriceRange,
    WSeries,
    WSeriesListResponse,
    WSeriesResponse,
    WSettlementSource,
)
from kalshi_tape.wire.stream import (
    KNOWN_FRAME_TYPES,
    LevelPair,
    WCommand,
    WCommandParams,
    WDeltaMsg,
    WError,
    WErrorMsg,
    WEventLifecycle,
    WEventLifecycleMsg,
    WFrame,
    WLifecycleMsg,
    WMarketLifecycle,
    WOk,
    WOkMsg,
    WOrderbookDelta,
    WOrderbookSnapshot,
    WServerFrame,
    WSnapshotMsg,
    WSubscribed,
    WSubscribedMsg,
    WTicker,
    WTickerMsg,
    WTradeFrame,
    WTradeMsg,
    WUnsubscribed,
)
from kalshi_tape.wire.trades import WTrade, WTradesResponse

__all__ = [
    "KNOWN_FRAME_TYPES",
    "CentsLevel",
    "CentsOrDollars",
    "CountOrFp",
    "DollarLevel",
    "LevelPair",
    "Timestamp",
    "WBatchCandlesticksResponse",
    "WBatchMarketCandlesticks",
    "WCandlestick",
    "WCommand",
    "WCommandParams",
    "WDailySchedule",
    "WDeltaMsg",
    "WError",
    "WErrorDetail",
    "WErrorMsg",
    "WErrorResponse",
    "WEvent",
    "WEventCandlesticksResponse",
    "WEventLifecycle",
    "WEventLifecycleMsg",
    "WEventResponse",
    "WEventsResponse",
    "WExchangeIndexStatus",
    "WExchangeStatus",
    "WFrame",
    "WHistoricalCutoff",
    "WLifecycleMsg",
    "WMaintenanceWindow",
    "WMarket",
    "WMarketCandlesticksResponse",
    "WMarketLifecycle",
    "WMarketOrderbook",
    "WMarketResponse",
    "WMarketsResponse",
    "WOk",
    "WOkMsg",
    "WOrderbookDelta",
    "WOrderbookFp",
    "WOrderbookLegacy",
    "WOrderbookResponse",
    "WOrderbookSnapshot",
    "WOrderbooksResponse",
    "WPriceDist",
    "WPriceRange",
    "WQuoteDist",
    "WSchedule",
    "WScheduleResponse",
    "WSeries",
    "WSeriesListResponse",
    "WSeriesResponse",
    "WServerFrame",
    "WSettlementSource",
    "WSnapshotMsg",
    "WSubscribed",
    "WSubscribedMsg",
    "WTicker",
    "WTickerMsg",
    "WTrade",
    "WTradeFrame",
    "WTradeMsg",
    "WTradesResponse",
    "WUnsubscribed",
    "WWeeklySchedule",
    "Wire",
]
