"""Rows for every warehouse table, with the awkward values: sub-penny prices, fractional
counts, negative deltas, empty strings next to NULLs, unicode and newlines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from kalshi_tape.core.domain import (
    Candlestick,
    Event,
    Market,
    OrderbookDelta,
    OrderbookSnapshot,
    QuoteOHLC,
    Series,
    Trade,
    TradeOHLC,
)
from kalshi_tape.core.money import LINEAR_CENT, Count, Price
from kalshi_tape.storage.records import (
    BackfillProgress,
    CandleRecord,
    DailyClimateRow,
    MarketSnapshotRow,
    SequenceGapRow,
    WeatherForecastRow,
    WeatherObservationRow,
)

T0 = datetime(2026, 8, 8, 4, 0, tzinfo=UTC)
T0_NS = int(T0.timestamp()) * 1_000_000_000
EVENT = "KXHIGHNY-26AUG08"
MARKETS = (f"{EVENT}-B80.5", f"{EVENT}-B82.5", f"{EVENT}-T84")


def series() -> Series:
    return Series(
        ticker="KXHIGHNY",
        title="Highest temperature in NYC",
        category="Climate and Weather",
        frequency="daily",
        fee_type="quadratic",
        fee_multiplier=Decimal("1"),
        contract_url="https://kalshi.com/x.pdf",
        last_updated_ts=T0,
        raw=b'{"ticker":"KXHIGHNY","title":"Highest temperature in NYC \xe2\x80\x94 \\n"}',
    )


def event() -> Event:
    return Event(
        event_ticker=EVENT,
        series_ticker="KXHIGHNY",
        title="Highest temperature in NYC on Aug 8, 2026?",
        sub_title="On Aug 8, 2026",
        collateral_return_type="",
        mutually_exclusive=True,
        strike_date=T0 + timedelta(hours=24),
        raw=b'{"event_ticker":"KXHIGHNY-26AUG08"}',
    )


def market(ticker: str, yes_bid: str = "0.1234", volume: str = "531.10") -> Market:
    return Market(
        ticker=ticker,
        event_ticker=EVENT,
        market_type="binary",
        status="active",
        title="Will the high be 80-81°?",
        subtitle="",
        yes_sub_title="80° to 81°",
        no_sub_title="80° to 81°",
        open_time=T0,
        close_time=T0 + timedelta(hours=20),
        created_time=T0,
        updated_time=T0 + timedelta(seconds=1, microseconds=123456),
        expected_expiration_time=None,
        latest_expiration_time=T0 + timedelta(days=7),
        settlement_timer_seconds=60,
        strike_type="between",
        floor_strike=Decimal("80.5"),
        cap_strike=None,
        yes_bid=Price(yes_bid),
        yes_ask=Price("0.130000"),
        no_bid=Price("0.87"),
        no_ask=Price("0.8766"),
        last_price=Price("0.123456"),
        yes_bid_size=Count("10"),
        yes_ask_size=None,
        volume=Count(volume),
        volume_24h=Count("0.01"),
        open_interest=Count("99999999.99"),
        previous_yes_bid=None,
        previous_yes_ask=None,
        previous_price=None,
        notional_value=Decimal("1"),
        result="",
        can_close_early=True,
        expiration_value=None,
        settlement_value=None,
        settlement_ts=None,
        rules_primary="If the high is 80-81°, YES.",
        rules_secondary="",
        early_close_condition=None,
        price_level_structure="linear_cent",
        price_ranges=LINEAR_CENT,
        raw=(f'{{"ticker":"{ticker}","subtitle":"a,\\"quoted\\"\\nline"}}').encode(),
    )


def candle(ticker: str, minute: int, bid: str = "0.123456", source: str = "kalshi") -> CandleRecord:
    quote = QuoteOHLC(Price(bid), Price("0.99"), Price("0.0001"), Price("1"))
    traded = minute % 2 == 0
    price = (
        TradeOHLC(
            open=Price("0.12"),
            high=Price("0.125"),
            low=Price("0.1199"),
            close=Price("0.121"),
            mean=Price("0.122222"),
            previous=Price("0.11"),
            min=Price("0.1199"),
            max=Price("0.125"),
        )
        if traded
        else TradeOHLC(previous=Price("0.11"))
    )
    stick = Candlestick(
        end_period_ts=int(T0.timestamp()) + 60 * (minute + 1),
        yes_bid=quote,
        yes_ask=None if minute % 3 == 0 else quote,
        price=price,
        volume=Count("531.10") if traded else Count("0"),
        open_interest=Count("1234.56"),
    )
    return CandleRecord(ticker, 1, source, stick)  # type: ignore[arg-type]


def trade(i: int, ticker: str = MARKETS[0], count: str = "2.50") -> Trade:
    return Trade(
        trade_id=f"tr-{i:06d}",
        ticker=ticker,
        yes_price=Price("0.123456"),
        no_price=Price("0.876544"),
        count=Count(count),
        taker_side=None if i % 3 == 0 else ("yes" if i % 2 else "no"),
        created_time=T0 + timedelta(seconds=i, microseconds=7),
        is_block_trade=i % 5 == 0,
    )


def book_snapshot(ticker: str, received_ns: int, seq: int = 1) -> OrderbookSnapshot:
    return OrderbookSnapshot(
        sid=3,
        seq=seq,
        market_ticker=ticker,
        yes=((Price("0.01"), Count("100")), (Price("0.1234"), Count("0.50"))),
        no=((Price("0.85"), Count("12.34")),),
        received_ns=received_ns,
    )


def delta(seq: int, ticker: str = MARKETS[0], received_ns: int | None = None) -> OrderbookDelta:
    return OrderbookDelta(
        sid=3,
        seq=seq,
        market_ticker=ticker,
        price=Price("0.1234"),
        delta=Count("-0.25") if seq % 2 else Count("7.75"),
        side="yes" if seq % 2 else "no",
        exchange_ts_ms=None if seq == 2 else 1_786_161_600_000 + seq,
        received_ns=received_ns if received_ns is not None else T0_NS + seq * 1_000,
    )


def everything() -> dict[str, Any]:
    """Keyword arguments for `commit_chunk` that fill every table."""
    return {
        "series": [series()],
        "events": [event()],
        "markets": [market(t) for t in MARKETS],
        "candles": [candle(t, m) for t in MARKETS for m in range(4)]
        + [candle(MARKETS[0], 0, source="trades")],
        "trades": [trade(i) for i in range(10)],
        "market_snapshots": [
            MarketSnapshotRow(
                MARKETS[0],
                T0_NS + 5,
                "delta",
                yes_bid=Price("0.1234"),
                yes_bid_size=Count("0.50"),
                yes_ask=Price("0.15"),
                exchange_ts_ms=1_786_161_600_000,
                sid=3,
                seq=9,
            ),
            MarketSnapshotRow(MARKETS[1], T0_NS + 6, "interval"),
        ],
        "orderbook_snapshots": [book_snapshot(MARKETS[0], T0_NS), book_snapshot(MARKETS[1], T0_NS)],
        "orderbook_deltas": [delta(seq) for seq in range(2, 8)],
        "sequence_gaps": [
            SequenceGapRow(T0_NS + 4_000, "gap", sid=3, expected_seq=5, got_seq=7),
            SequenceGapRow(T0_NS + 5_000, "reconnect", detail="1006 abnormal closure"),
            SequenceGapRow(T0_NS + 5_000, "resync", sid=3, market_ticker=MARKETS[0]),
        ],
        "weather_observations": [
            WeatherObservationRow("KNYC", "asos1min", T0, Decimal("81"), Decimal("65")),
            WeatherObservationRow(
                "KNYC", "metar", T0, Decimal("80.96"), None, "KNYC 080351Z 27.2/18.3"
            ),
        ],
        "daily_climate": [
            DailyClimateRow(
                "KNYC", date(2026, 8, 8), "cli", Decimal("84"), Decimal("71"), True, T0
            ),
            DailyClimateRow("KNYC", date(2026, 8, 9), "cli"),
        ],
        "weather_forecasts": [
            WeatherForecastRow("KNYC", "nws_hourly", T0, T0, None, Decimal("80"), None, 20),
        ],
        "progress": BackfillProgress("candles/KXHIGHNY-26AUG08/1", "candles", 13, 2, "cursor=abc"),
    }


def changed_market(ticker: str) -> Market:
    return replace(market(ticker), yes_bid=Price("0.1235"))
