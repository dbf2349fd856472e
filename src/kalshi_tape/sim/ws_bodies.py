"""The simulator's WebSocket message bodies (`msg` JSON) for each wire era: book snapshots and
deltas, ticker, trade and lifecycle messages. Encoded once per item, wrapped per subscription."""

from __future__ import annotations

import functools
import uuid

from kalshi_tape import wire as w
from kalshi_tape.sim.encode import ENCODER, dollars, fp, utc_us
from kalshi_tape.sim.exchange import (
    US,
    BookChange,
    EventCreated,
    Exchange,
    Lifecycle,
    TickerChange,
    TradeEvent,
)


@functools.lru_cache(maxsize=65536)
def market_id(ticker: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kalshi-tape-sim:{ticker}"))


class StreamBodies:
    """Message bodies in the configured era; mixed into the stream hub."""

    ex: Exchange
    era: str

    def _snapshot_msg(
        self, ticker: str, yes: list[tuple[int, int]], no: list[tuple[int, int]]
    ) -> w.WSnapshotMsg:
        msg = w.WSnapshotMsg(market_ticker=ticker)
        if self.era in ("fixed", "dual"):
            msg.market_id = market_id(ticker)
            msg.yes_dollars_fp = [(dollars(p), fp(s)) for p, s in yes] or None
            msg.no_dollars_fp = [(dollars(p), fp(s)) for p, s in no] or None
        if self.era in ("dual", "cents"):
            msg.yes = [(p, s // 100) for p, s in yes] or None
            msg.no = [(p, s // 100) for p, s in no] or None
        if self.era == "dual":
            msg.yes_dollars = [(dollars(p), s // 100) for p, s in yes] or None
            msg.no_dollars = [(dollars(p), s // 100) for p, s in no] or None
        return msg

    def _delta_body(self, item: BookChange, side: str, price: int, delta: int) -> str:
        msg = w.WDeltaMsg(market_ticker=item.ticker, side=side)
        if self.era in ("fixed", "dual"):
            msg.market_id = market_id(item.ticker)
            msg.price_dollars = dollars(price)
            msg.delta_fp = fp(delta)
            msg.ts = _rfc3339(item.ts_us)
            msg.ts_ms = item.ts_us // 1000
        if self.era in ("dual", "cents"):
            msg.price = price
            msg.delta = delta // 100
        return ENCODER.encode(msg).decode()

    def _ticker_body(self, item: TickerChange) -> str:
        st = self.ex.state_at(item.event, item.market, item.ts_us)
        ticker = st.market.ticker
        bid, ask, bid_size, ask_size = st.quote
        ts_s = item.ts_us // US
        msg = w.WTickerMsg(market_ticker=ticker, ts=ts_s)
        dollar_volume = (st.volume // 100) // 2
        dollar_oi = (st.open_interest // 100) // 2
        if self.era in ("fixed", "dual"):
            msg.market_id = market_id(ticker)
            msg.price_dollars = dollars(st.last_price)
            msg.yes_bid_dollars = dollars(bid)
            msg.yes_ask_dollars = dollars(ask)
            msg.volume_fp = fp(st.volume)
            msg.open_interest_fp = fp(st.open_interest)
            msg.dollar_volume, msg.dollar_open_interest = dollar_volume, dollar_oi
            msg.ts_ms = item.ts_us // 1000
            msg.time = _rfc3339(ts_s * US)
        if self.era == "fixed":
            msg.yes_bid_size_fp = fp(bid_size)
            msg.yes_ask_size_fp = fp(ask_size)
            if item.last_trade_size is not None:
                msg.last_trade_size_fp = fp(item.last_trade_size)
        if self.era in ("dual", "cents"):
            msg.price, msg.yes_bid, msg.yes_ask = st.last_price, bid, ask
            msg.volume, msg.open_interest = st.volume // 100, st.open_interest // 100
            msg.dollar_volume, msg.dollar_open_interest = dollar_volume, dollar_oi
            msg.time = _rfc3339(ts_s * US)
        return ENCODER.encode(msg).decode()

    def _trade_body(self, item: TradeEvent) -> str:
        t = item.trade
        taker = "yes" if t.taker_yes else "no"
        msg = w.WTradeMsg(
            trade_id=t.trade_id, market_ticker=item.ticker, taker_side=taker, ts=t.created_us // US
        )
        if self.era in ("fixed", "dual"):
            msg.yes_price_dollars = dollars(t.yes_cents)
            msg.no_price_dollars = dollars(100 - t.yes_cents)
            msg.count_fp = fp(t.count_h)
        if self.era == "fixed":
            msg.taker_outcome_side = taker
            msg.taker_book_side = "bid" if t.taker_yes else "ask"
            msg.is_block_trade = False
            msg.ts_ms = t.created_us // 1000
        if self.era in ("dual", "cents"):
            msg.yes_price, msg.no_price = t.yes_cents, 100 - t.yes_cents
            msg.count = t.count_h // 100
        return ENCODER.encode(msg).decode()

    def _lifecycle_body(self, item: Lifecycle) -> str:
        spec, m = item.event, item.market
        msg = w.WLifecycleMsg(market_ticker=m.ticker, event_type=item.event_type)
        if item.event_type == "created":
            msg.exchange_index = 0
            msg.open_ts, msg.close_ts = spec.open_ts, spec.close_ts
            msg.price_level_structure = "linear_cent"
            msg.additional_metadata = {
                "name": m.ticker,
                "title": m.title,
                "yes_sub_title": m.yes_sub_title,
                "no_sub_title": m.yes_sub_title,
                "rules_primary": m.rules_primary,
                "rules_secondary": spec.rules_secondary,
                "can_close_early": True,
                "event_ticker": spec.event_ticker,
                "expected_expiration_ts": spec.expected_expiration_ts,
                "strike_type": m.strike_type,
                **({"floor_strike": m.floor} if m.floor is not None else {}),
                **({"cap_strike": m.cap} if m.cap is not None else {}),
            }
        elif item.event_type == "determined":
            msg.result = spec.result(m)
            msg.determination_ts = spec.determination_ts
            msg.settlement_value = dollars(100 if msg.result == "yes" else 0)
        elif item.event_type == "settled":
            msg.settled_ts = spec.settlement_ts
        return ENCODER.encode(msg).decode()

    def _event_body(self, item: EventCreated) -> str:
        spec = item.event
        msg = w.WEventLifecycleMsg(
            event_ticker=spec.event_ticker,
            exchange_index=0,
            title=spec.title,
            subtitle=spec.sub_title,
            collateral_return_type="MECNET",
            series_ticker=spec.series,
        )
        return ENCODER.encode(msg).decode()


def _rfc3339(us: int) -> str:
    return _rfc3339_s(us // US)


@functools.lru_cache(maxsize=4096)
def _rfc3339_s(ts: int) -> str:
    return utc_us(ts * US).isoformat().replace("+00:00", "Z")
