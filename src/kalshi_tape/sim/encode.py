"""Exchange state -> wire structs, shaped as one of the three wire eras.

* `fixed` (era C, SDK 3.34): `*_dollars` price strings and `*_fp` count strings only.
* `dual` (era B): integer cents and counts beside the `*_dollars` / `*_fp` strings.
* `cents` (era A): integer cents and counts only.

Internal units: prices in integer cents, counts in hundredths of a contract.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from decimal import Decimal

import msgspec

from kalshi_tape import wire as w
from kalshi_tape.sim.cities import CITIES
from kalshi_tape.sim.exchange import Candle, MarketState
from kalshi_tape.sim.generator import EventSpec, Level, SimTrade

ENCODER = msgspec.json.Encoder(decimal_format="number")
LINEAR_CENT_RANGES = [w.WPriceRange(start="0.0000", end="1.0000", step="0.0100")]
CATEGORY = "Climate and Weather"


class SimMarket(w.WMarket, kw_only=True):
    """`market_type` is required on the wire; the base struct's default would omit it."""

    market_type: str


class SimIndexStatus(w.WExchangeIndexStatus, kw_only=True):
    """Every field is required in SDK 3.34; the base struct's defaults would omit them."""

    description: str
    exchange_active: bool
    trading_active: bool
    intra_exchange_transfers_active: bool


_DOLLARS = tuple(f"{c // 100}.{c % 100:02d}00" for c in range(101))


def dollars(cents: int) -> str:
    """Integer cents (0..100) -> 4-dp dollar string ("0.4200")."""
    return _DOLLARS[cents]


def fp(hundredths: int) -> str:
    """Hundredths of a contract -> 2-dp fp string ("531.10"); signed."""
    sign = "-" if hundredths < 0 else ""
    h = abs(hundredths)
    return f"{sign}{h // 100}.{h % 100:02d}"


def mean_dollars(mean_cents: Decimal) -> str:
    return f"{(mean_cents / 100).quantize(Decimal('0.0001'))}"


@functools.lru_cache(maxsize=65536)
def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


@functools.lru_cache(maxsize=65536)
def utc_us(us: int) -> datetime:
    return datetime.fromtimestamp(us // 1_000_000, UTC).replace(microsecond=us % 1_000_000)


class Encoder:
    """Encodes exchange objects for one wire era."""

    def __init__(self, era: str) -> None:
        self.era = era
        self.has_strings = era in ("fixed", "dual")
        self.has_ints = era in ("dual", "cents")

    # ------------------------------------------------------------------ reference data

    def series(self, series: str, volume: int | None = None) -> w.WSeries:
        city = CITIES[series]
        twc = w.WSettlementSource(name="The Weather Company", url="https://weather.com/kalshi")
        return w.WSeries(
            ticker=series,
            title=city.series_title,
            category=CATEGORY,
            frequency="daily",
            categories=[CATEGORY],
            tags=["Daily temperature"],
            settlement_sources=[twc],
            contract_url="https://assets.kalshi.com/regulatory/product-certifications/GLOBALTEMPERATURE.pdf",
            contract_terms_url="https://assets.kalshi.com/contract_terms/GLOBALTEMPERATURE.pdf",
            fee_type="quadratic",
            fee_multiplier=Decimal(1),
            additional_prohibitions=[
                "Persons who are employed by any of the Source Agencies are not permitted to "
                "trade on the Contract."
            ],
            product_metadata={},
            volume_fp=None if volume is None else fp(volume),
            exchange_index=0 if self.era == "fixed" else None,
        )

    def event(self, spec: EventSpec, markets: list[msgspec.Raw] | None = None) -> w.WEvent:
        if spec.twc_era:
            source = w.WSettlementSource(
                name="The Weather Company", url="https://weather.com/kalshi"
            )
        else:
            source = w.WSettlementSource(name="National Weather Service", url=spec.city.nws_url)
        return w.WEvent(
            event_ticker=spec.event_ticker,
            series_ticker=spec.series,
            title=spec.title,
            sub_title=spec.sub_title,
            collateral_return_type="MECNET",
            mutually_exclusive=True,
            category=CATEGORY if self.era == "cents" else None,
            strike_date=utc(spec.occurrence_ts),
            settlement_sources=[source],
            markets=markets,
        )

    def market(self, st: MarketState) -> w.WMarket:
        out = self._market_base(st)
        settle_cents = (100 if out.result == "yes" else 0) if st.determined else None
        if self.has_strings:
            _dollar_fields(out, st, settle_cents)
        if self.era == "fixed":
            _fixed_fields(out, st)
        if self.has_ints:
            _cent_fields(out, st, settle_cents)
        if self.era == "dual":
            out.liquidity_dollars = "0.0000"
        if self.era == "cents":
            out.category = CATEGORY
            out.risk_limit_cents = 0
        return out

    def _market_base(self, st: MarketState) -> SimMarket:
        """The fields every era carries."""
        spec, m = st.event, st.market
        determined = st.determined
        status = st.status
        if self.era == "cents" and status == "finalized":
            status = "settled"
        return SimMarket(
            ticker=m.ticker,
            event_ticker=spec.event_ticker,
            market_type="binary",
            title=m.title,
            subtitle=m.yes_sub_title,
            yes_sub_title=m.yes_sub_title,
            no_sub_title=m.yes_sub_title,
            created_time=utc_us(spec.created_us),
            updated_time=utc_us(st.updated_us),
            open_time=utc(spec.open_ts),
            close_time=utc(spec.close_ts),
            expected_expiration_time=utc(spec.expected_expiration_ts),
            expiration_time=utc(spec.latest_expiration_ts),
            latest_expiration_time=utc(spec.latest_expiration_ts),
            settlement_timer_seconds=3600,
            status=status,
            result=spec.result(m) if determined else "",
            can_close_early=True,
            expiration_value=f"{spec.settlement_value}" if determined else "",
            strike_type=m.strike_type,
            floor_strike=None if m.floor is None else Decimal(m.floor),
            cap_strike=None if m.cap is None else Decimal(m.cap),
            rules_primary=m.rules_primary,
            rules_secondary=spec.rules_secondary,
            early_close_condition=spec.early_close_condition,
        )

    def trade(self, ticker: str, t: SimTrade) -> w.WTrade:
        taker = "yes" if t.taker_yes else "no"
        out = w.WTrade(
            trade_id=t.trade_id,
            ticker=ticker,
            created_time=utc_us(t.created_us),
            taker_side=taker,
        )
        if self.has_strings:
            out.count_fp = fp(t.count_h)
            out.yes_price_dollars = dollars(t.yes_cents)
            out.no_price_dollars = dollars(100 - t.yes_cents)
        if self.era == "fixed":
            out.taker_outcome_side = taker
            out.taker_book_side = "bid" if t.taker_yes else "ask"
            out.is_block_trade = False
        if self.has_ints:
            out.count = t.count_h // 100
            out.yes_price = t.yes_cents
            out.no_price = 100 - t.yes_cents
            out.price = Decimal(t.yes_cents)
        return out

    # ------------------------------------------------------------------ books

    def orderbook(self, yes: list[Level], no: list[Level]) -> w.WOrderbookResponse:
        out = w.WOrderbookResponse()
        if self.has_strings:
            out.orderbook_fp = w.WOrderbookFp(
                yes_dollars=[(dollars(p), fp(s)) for p, s in yes],
                no_dollars=[(dollars(p), fp(s)) for p, s in no],
            )
        if self.has_ints:
            legacy = w.WOrderbookLegacy(
                yes=[(p, s // 100) for p, s in yes], no=[(p, s // 100) for p, s in no]
            )
            if self.era == "dual":
                legacy.yes_dollars = [(dollars(p), s // 100) for p, s in yes]
                legacy.no_dollars = [(dollars(p), s // 100) for p, s in no]
            out.orderbook = legacy
        return out

    def market_orderbook(
        self, ticker: str, yes: list[Level], no: list[Level]
    ) -> w.WMarketOrderbook:
        book = self.orderbook(yes, no)
        return w.WMarketOrderbook(
            ticker=ticker, orderbook_fp=book.orderbook_fp, orderbook=book.orderbook
        )

    # ------------------------------------------------------------------ candles

    def candle(self, c: Candle) -> w.WCandlestick:
        out = w.WCandlestick(end_period_ts=c.end_ts)
        bid, ask = w.WQuoteDist(), w.WQuoteDist()
        price = w.WPriceDist()
        trade = (c.open, c.high, c.low, c.close)
        if self.has_strings:
            bid.open_dollars, bid.high_dollars, bid.low_dollars, bid.close_dollars = map(
                dollars, c.bid
            )
            ask.open_dollars, ask.high_dollars, ask.low_dollars, ask.close_dollars = map(
                dollars, c.ask
            )
            if c.open is not None:
                o, h, lo, cl = (dollars(x) for x in trade if x is not None)
                price.open_dollars, price.high_dollars = o, h
                price.low_dollars, price.close_dollars = lo, cl
                price.min_dollars, price.max_dollars = lo, h
                assert c.mean is not None
                price.mean_dollars = mean_dollars(c.mean)
            if c.previous is not None:
                price.previous_dollars = dollars(c.previous)
            out.volume_fp = fp(c.volume)
            out.open_interest_fp = fp(c.open_interest)
        if self.has_ints:
            bid.open, bid.high, bid.low, bid.close = c.bid
            ask.open, ask.high, ask.low, ask.close = c.ask
            if c.open is not None:
                assert c.high is not None and c.low is not None and c.close is not None
                assert c.mean is not None
                price.open, price.high, price.low, price.close = c.open, c.high, c.low, c.close
                price.min, price.max = c.low, c.high
                price.mean = int(c.mean.to_integral_value())
            price.previous = c.previous
            out.volume = c.volume // 100
            out.open_interest = c.open_interest // 100
        out.yes_bid, out.yes_ask, out.price = bid, ask, price
        return out

    @staticmethod
    def historical_candle(c: Candle) -> dict[str, object]:
        """Historical candles use unsuffixed names carrying strings, with explicit nulls."""

        def opt(x: int | None) -> str | None:
            return None if x is None else dollars(x)

        return {
            "end_period_ts": c.end_ts,
            "open_interest": fp(c.open_interest),
            "volume": fp(c.volume),
            "price": {
                "open": opt(c.open),
                "high": opt(c.high),
                "low": opt(c.low),
                "close": opt(c.close),
                "mean": None if c.mean is None else mean_dollars(c.mean),
                "previous": opt(c.previous),
            },
            "yes_ask": dict(
                zip(("open", "high", "low", "close"), map(dollars, c.ask), strict=True)
            ),
            "yes_bid": dict(
                zip(("open", "high", "low", "close"), map(dollars, c.bid), strict=True)
            ),
        }


def encode(obj: object) -> bytes:
    return ENCODER.encode(obj)


def raw(obj: object) -> msgspec.Raw:
    return msgspec.Raw(ENCODER.encode(obj))


def _dollar_fields(out: SimMarket, st: MarketState, settle_cents: int | None) -> None:
    """The dollar-string and fixed-point fields (the "dual" and "fixed" eras)."""
    bid, ask = st.quote[0], st.quote[1]
    out.yes_bid_dollars = dollars(bid)
    out.yes_ask_dollars = dollars(ask)
    out.no_bid_dollars = dollars(100 - ask)
    out.no_ask_dollars = dollars(100 - bid)
    out.last_price_dollars = dollars(st.last_price)
    out.volume_fp = fp(st.volume)
    out.volume_24h_fp = fp(st.volume_24h)
    out.open_interest_fp = fp(st.open_interest)
    out.notional_value_dollars = "1.0000"
    out.previous_yes_bid_dollars = dollars(st.previous_quote[0])
    out.previous_yes_ask_dollars = dollars(st.previous_quote[1])
    out.previous_price_dollars = dollars(st.previous_price)
    out.price_level_structure = "linear_cent"
    out.price_ranges = LINEAR_CENT_RANGES
    if settle_cents is not None:
        out.settlement_value_dollars = dollars(settle_cents)


def _fixed_fields(out: SimMarket, st: MarketState) -> None:
    """The fields only the "fixed" (current) era carries."""
    spec = st.event
    out.yes_bid_size_fp = fp(st.quote[2])
    out.yes_ask_size_fp = fp(st.quote[3])
    out.settlement_bounds_type = "default"
    out.occurrence_datetime = utc(spec.occurrence_ts)
    out.exchange_index = 0
    if st.settled:
        out.settlement_ts = utc(spec.settlement_ts)


def _cent_fields(out: SimMarket, st: MarketState, settle_cents: int | None) -> None:
    """The integer-cent fields (the "cents" and "dual" eras)."""
    bid, ask = st.quote[0], st.quote[1]
    out.response_price_units = "usd_cent"
    out.yes_bid, out.yes_ask, out.no_bid, out.no_ask = bid, ask, 100 - ask, 100 - bid
    out.last_price = st.last_price
    out.volume = st.volume // 100
    out.volume_24h = st.volume_24h // 100
    out.open_interest = st.open_interest // 100
    out.notional_value = 100
    out.previous_yes_bid, out.previous_yes_ask = st.previous_quote[0], st.previous_quote[1]
    out.previous_price = st.previous_price
    out.liquidity = 0
    out.tick_size = 1
    out.settlement_value = settle_cents
