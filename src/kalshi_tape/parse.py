"""Pure functions from Kalshi JSON (any wire era) to frozen domain objects.

Rule for every field: prefer the exact string (`X_dollars`, `X_fp`, or a historical
unsuffixed string); fall back to the era-A integer (`X` cents or contracts). Unknown
fields are ignored. Anything malformed raises `ParseError` naming the field path; no
other exception escapes a parse function.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar, cast

import msgspec

from kalshi_tape import wire as w
from kalshi_tape.domain import (
    Candlestick,
    DailySession,
    Event,
    EventCandlesticks,
    EventLifecycle,
    ExchangeSchedule,
    ExchangeStatus,
    HistoricalCutoff,
    Level,
    MaintenanceWindow,
    Market,
    MarketCandlesticks,
    MarketLifecycle,
    Ok,
    Orderbook,
    OrderbookDelta,
    OrderbookSnapshot,
    Page,
    QuoteOHLC,
    Series,
    SettlementSource,
    Side,
    StreamErrorMessage,
    StreamMessage,
    Subscribed,
    SubscriptionInfo,
    TickerUpdate,
    Trade,
    TradeOHLC,
    TradeUpdate,
    Unsubscribed,
    WeeklySchedule,
)
from kalshi_tape.errors import ParseError
from kalshi_tape.money import ZERO_COUNT, Count, MoneyError, Price, PriceRange

Json = bytes | str
P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
DecimalOrNone = TypeVar("DecimalOrNone", bound=Decimal | None)

_decoders: dict[type[Any], msgspec.json.Decoder[Any]] = {}


def _decode(data: Json | msgspec.Raw, kind: type[S], where: str) -> S:
    decoder = _decoders.get(kind)
    if decoder is None:
        decoder = _decoders[kind] = msgspec.json.Decoder(kind)
    try:
        return cast(S, decoder.decode(data))
    except msgspec.ValidationError as exc:
        message = str(exc)
        path = message.rsplit(" - at `", 1)[-1].rstrip("`") if " - at `" in message else "$"
        raise ParseError(where + path.removeprefix("$"), message.split(" - at ")[0]) from None
    except msgspec.DecodeError as exc:
        raise ParseError(where, f"invalid JSON: {exc}") from None
    except RecursionError:
        raise ParseError(where, "JSON nested too deeply") from None
    except UnicodeDecodeError:
        raise ParseError(where, "invalid UTF-8 in a string") from None
    except TypeError:
        raise ParseError(where, "expected JSON as bytes or str", type(data).__name__) from None


def _guarded(where: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn stray exceptions inside a parse function into ParseError at `where`."""

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except ParseError:
                raise
            except MoneyError as exc:
                raise ParseError(where, str(exc), exc.value) from None
            except (ValueError, TypeError, ArithmeticError, KeyError, IndexError) as exc:
                raise ParseError(where, f"{type(exc).__name__}: {exc}") from None

        return inner

    return wrap


# --------------------------------------------------------------------------- field helpers


def price_field(path: str, dollars: str | None, cents: int | str | None) -> Price | None:
    """Price from the exact dollar string, else from integer cents (or a historical string)."""
    try:
        if dollars is not None:
            cached = _PRICE_CACHE.get(dollars)
            return cached if cached is not None else _price_from_text(dollars)
        if cents is None:
            return None
        if isinstance(cents, str):
            return _price_from_text(cents)
        return _price_from_cents(cents)
    except MoneyError as exc:
        raise ParseError(path, exc.reason, exc.value) from None


def count_field(path: str, fp: str | None, integer: int | str | None) -> Count | None:
    """Count from the exact fp string, else from the integer (or a historical string)."""
    try:
        if fp is not None:
            counted = _COUNT_CACHE.get(fp)
            return counted if counted is not None else _count_from_text(fp)
        if integer is None:
            return None
        if isinstance(integer, str):
            return _count_from_text(integer)
        return _count_from_int(integer)
    except MoneyError as exc:
        raise ParseError(path, exc.reason, exc.value) from None


def _finite(path: str, value: DecimalOrNone) -> DecimalOrNone:
    """A JSON number as Decimal; NaN and infinities (accepted by msgspec) are rejected."""
    if value is not None and not value.is_finite():
        raise ParseError(path, "not a finite number", str(value))
    return value


def _raw_bytes(raw: msgspec.Raw | Json) -> bytes:
    if isinstance(raw, str):
        return raw.encode()
    return bytes(raw)


def _required(path: str, value: R | None) -> R:
    if value is None:
        raise ParseError(path, "missing")
    return value


# Small caches: the set of distinct price and size strings on a feed is small, and this
# keeps Decimal construction off the hot path. Bounded so hostile input cannot grow them.
_PRICE_CACHE: dict[str, Price] = {}
_COUNT_CACHE: dict[str, Count] = {}
_INT_COUNT_CACHE: dict[int, Count] = {}
_CENT_PRICES = tuple(Price.from_cents(cents) for cents in range(101))
_CACHE_LIMIT = 50_000


def _price_from_text(text: str) -> Price:
    cached = _PRICE_CACHE.get(text) if type(text) is str else None
    if cached is not None:
        return cached
    value = Price(text)
    if len(_PRICE_CACHE) < _CACHE_LIMIT:
        _PRICE_CACHE[text] = value
    return value


def _price_from_cents(cents: int) -> Price:
    if type(cents) is int and 0 <= cents <= 100:
        return _CENT_PRICES[cents]
    return Price.from_cents(cents)


def _count_from_int(value: int) -> Count:
    cached = _INT_COUNT_CACHE.get(value) if type(value) is int else None
    if cached is not None:
        return cached
    count = Count(value)
    if len(_INT_COUNT_CACHE) < _CACHE_LIMIT:
        _INT_COUNT_CACHE[value] = count
    return count


def _count_from_text(text: str) -> Count:
    cached = _COUNT_CACHE.get(text) if type(text) is str else None
    if cached is not None:
        return cached
    value = Count(text)
    if len(_COUNT_CACHE) < _CACHE_LIMIT:
        _COUNT_CACHE[text] = value
    return value


def _blank_to_none(value: str | None) -> str | None:
    return value if value else None


def _side(path: str, value: str | None) -> Side | None:
    if value is None or value == "":
        return None
    if value not in ("yes", "no"):
        raise ParseError(path, "expected 'yes' or 'no'", value)
    return cast(Side, value)


def _book_side_to_outcome(value: str | None) -> Side | None:
    """`taker_book_side` bid means the taker bought YES; ask means NO."""
    return {"bid": "yes", "ask": "no"}.get(value or "")  # type: ignore[return-value]


def _ranges(path: str, ranges: list[w.WPriceRange] | None) -> tuple[PriceRange, ...]:
    if not ranges:
        return ()
    try:
        return tuple(PriceRange(Price(r.start), Price(r.end), Price(r.step)) for r in ranges)
    except MoneyError as exc:
        raise ParseError(path, exc.reason, exc.value) from None


def _ms_from_rfc3339(path: str, text: str | None) -> int | None:
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ParseError(path, "not an RFC3339 time", text) from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return int(stamp.timestamp() * 1000)


# --------------------------------------------------------------------------- reference data


@_guarded("series")
def series_from_wire(raw: msgspec.Raw | Json, where: str = "series") -> Series:
    s = _decode(raw, w.WSeries, where)
    return Series(
        ticker=s.ticker,
        title=s.title,
        category=s.category,
        frequency=s.frequency,
        fee_type=s.fee_type or "",
        fee_multiplier=_finite(
            f"{where}.fee_multiplier",
            s.fee_multiplier if s.fee_multiplier is not None else Decimal(1),
        ),
        tags=tuple(s.tags or ()),
        settlement_sources=tuple(
            SettlementSource(src.name or "", src.url or "") for src in s.settlement_sources or ()
        ),
        contract_url=s.contract_url or "",
        last_updated_ts=s.last_updated_ts,
        raw=_raw_bytes(raw),
    )


@_guarded("market")
def market_from_wire(raw: msgspec.Raw | Json, where: str = "market") -> Market:
    m = _decode(raw, w.WMarket, where)
    return Market(
        ticker=m.ticker,
        event_ticker=m.event_ticker,
        market_type=m.market_type,
        status=_normalise_status(m.status),
        title=m.title or "",
        subtitle=m.subtitle or "",
        yes_sub_title=m.yes_sub_title or "",
        no_sub_title=m.no_sub_title or "",
        open_time=m.open_time,
        close_time=m.close_time,
        created_time=m.created_time,
        updated_time=m.updated_time,
        expected_expiration_time=m.expected_expiration_time,
        latest_expiration_time=m.latest_expiration_time,
        settlement_timer_seconds=m.settlement_timer_seconds,
        strike_type=m.strike_type,
        floor_strike=_finite(f"{where}.floor_strike", m.floor_strike),
        cap_strike=_finite(f"{where}.cap_strike", m.cap_strike),
        yes_bid=_market_price(where, "yes_bid", m.yes_bid_dollars, m.yes_bid, "0"),
        yes_ask=_market_price(where, "yes_ask", m.yes_ask_dollars, m.yes_ask, "1"),
        no_bid=_market_price(where, "no_bid", m.no_bid_dollars, m.no_bid, "0"),
        no_ask=_market_price(where, "no_ask", m.no_ask_dollars, m.no_ask, "1"),
        last_price=_market_price(where, "last_price", m.last_price_dollars, m.last_price, "0"),
        yes_bid_size=count_field(f"{where}.yes_bid_size_fp", m.yes_bid_size_fp, None),
        yes_ask_size=count_field(f"{where}.yes_ask_size_fp", m.yes_ask_size_fp, None),
        volume=count_field(f"{where}.volume", m.volume_fp, m.volume) or ZERO_COUNT,
        volume_24h=count_field(f"{where}.volume_24h", m.volume_24h_fp, m.volume_24h) or ZERO_COUNT,
        open_interest=(
            count_field(f"{where}.open_interest", m.open_interest_fp, m.open_interest) or ZERO_COUNT
        ),
        previous_yes_bid=price_field(
            f"{where}.previous_yes_bid", m.previous_yes_bid_dollars, m.previous_yes_bid
        ),
        previous_yes_ask=price_field(
            f"{where}.previous_yes_ask", m.previous_yes_ask_dollars, m.previous_yes_ask
        ),
        previous_price=price_field(
            f"{where}.previous_price", m.previous_price_dollars, m.previous_price
        ),
        notional_value=_notional(where, m),
        result=_blank_to_none(m.result),
        can_close_early=m.can_close_early,
        expiration_value=_blank_to_none(m.expiration_value),
        settlement_value=price_field(
            f"{where}.settlement_value", m.settlement_value_dollars, m.settlement_value
        ),
        settlement_ts=m.settlement_ts,
        rules_primary=m.rules_primary or "",
        rules_secondary=m.rules_secondary or "",
        early_close_condition=m.early_close_condition,
        price_level_structure=m.price_level_structure,
        price_ranges=_ranges(f"{where}.price_ranges", m.price_ranges),
        raw=_raw_bytes(raw),
    )


def _market_price(
    where: str, name: str, dollars: str | None, cents: int | None, empty: str
) -> Price:
    value = price_field(f"{where}.{name}", dollars, cents)
    return value if value is not None else Price(empty)


def _notional(where: str, m: w.WMarket) -> Decimal | None:
    if m.notional_value_dollars is not None:
        try:
            value = Decimal(m.notional_value_dollars)
        except ArithmeticError:
            value = Decimal("NaN")
        return _finite(f"{where}.notional_value_dollars", value)
    if m.notional_value is not None:
        return Decimal(m.notional_value) / 100
    return None


_STATUS_ALIASES = {"settled": "finalized", "open": "active"}


def _normalise_status(status: str) -> str:
    """Legacy statuses: `settled` is `finalized`, `open` is `active`."""
    return _STATUS_ALIASES.get(status, status)


@_guarded("event")
def event_from_wire(
    raw: msgspec.Raw | Json, extra_markets: Iterable[msgspec.Raw] = (), where: str = "event"
) -> Event:
    e = _decode(raw, w.WEvent, where)
    nested = list(e.markets or ()) or list(extra_markets)
    return Event(
        event_ticker=e.event_ticker,
        series_ticker=e.series_ticker,
        title=e.title,
        sub_title=e.sub_title,
        collateral_return_type=e.collateral_return_type,
        mutually_exclusive=e.mutually_exclusive,
        strike_date=e.strike_date,
        strike_period=_blank_to_none(e.strike_period),
        fee_type_override=e.fee_type_override,
        fee_multiplier_override=_finite(
            f"{where}.fee_multiplier_override", e.fee_multiplier_override
        ),
        markets=tuple(market_from_wire(m, f"{where}.markets[{i}]") for i, m in enumerate(nested)),
        raw=_raw_bytes(raw),
    )


def parse_series(data: Json) -> Series:
    """`GET /series/{ticker}` -> Series."""
    return series_from_wire(_decode(data, w.WSeriesResponse, "$").series, "series")


def parse_series_list(data: Json) -> list[Series]:
    """`GET /series` -> [Series]."""
    body = _decode(data, w.WSeriesListResponse, "$")
    return [series_from_wire(s, f"series[{i}]") for i, s in enumerate(body.series or ())]


def parse_market(data: Json) -> Market:
    """`GET /markets/{ticker}` (or `/historical/markets/{ticker}`) -> Market."""
    return market_from_wire(_decode(data, w.WMarketResponse, "$").market, "market")


def parse_markets_page(data: Json) -> Page[Market]:
    """`GET /markets` (or `/historical/markets`) -> Page[Market]."""
    body = _decode(data, w.WMarketsResponse, "$")
    items = tuple(market_from_wire(m, f"markets[{i}]") for i, m in enumerate(body.markets))
    return Page(items=items, cursor=body.cursor or None)


def parse_event(data: Json) -> Event:
    """`GET /events/{ticker}` -> Event (markets from `event.markets` or the top-level list)."""
    body = _decode(data, w.WEventResponse, "$")
    return event_from_wire(body.event, body.markets or (), "event")


def parse_events_page(data: Json) -> Page[Event]:
    """`GET /events` -> Page[Event]."""
    body = _decode(data, w.WEventsResponse, "$")
    items = tuple(event_from_wire(e, (), f"events[{i}]") for i, e in enumerate(body.events))
    return Page(items=items, cursor=body.cursor or None)


# --------------------------------------------------------------------------- trades


def trade_from_wire(t: w.WTrade, where: str = "trade") -> Trade:
    yes = _required(
        f"{where}.yes_price", price_field(f"{where}.yes_price", t.yes_price_dollars, t.yes_price)
    )
    no = price_field(f"{where}.no_price", t.no_price_dollars, t.no_price)
    return Trade(
        trade_id=t.trade_id,
        ticker=t.ticker,
        yes_price=yes,
        no_price=no if no is not None else yes.complement(),
        count=_required(f"{where}.count", count_field(f"{where}.count", t.count_fp, t.count)),
        taker_side=_taker_side(where, t.taker_outcome_side, t.taker_side, t.taker_book_side),
        created_time=t.created_time,
        is_block_trade=bool(t.is_block_trade),
    )


def _taker_side(
    where: str, outcome: str | None, legacy: str | None, book: str | None
) -> Side | None:
    side = _side(f"{where}.taker_outcome_side", outcome) or _side(f"{where}.taker_side", legacy)
    return side or _book_side_to_outcome(book)


@_guarded("trades")
def parse_trades_page(data: Json) -> Page[Trade]:
    """`GET /markets/trades` or `/historical/trades` -> Page[Trade]."""
    body = _decode(data, w.WTradesResponse, "$")
    items = tuple(trade_from_wire(t, f"trades[{i}]") for i, t in enumerate(body.trades))
    return Page(items=items, cursor=body.cursor or None)


# --------------------------------------------------------------------------- candlesticks


def candle_from_wire(c: w.WCandlestick, where: str = "candlestick") -> Candlestick:
    return Candlestick(
        end_period_ts=c.end_period_ts,
        yes_bid=_quote(f"{where}.yes_bid", c.yes_bid),
        yes_ask=_quote(f"{where}.yes_ask", c.yes_ask),
        price=_trade_prices(f"{where}.price", c.price),
        volume=count_field(f"{where}.volume", c.volume_fp, c.volume) or ZERO_COUNT,
        open_interest=count_field(f"{where}.open_interest", c.open_interest_fp, c.open_interest)
        or ZERO_COUNT,
    )


def _quote(where: str, q: w.WQuoteDist | None) -> QuoteOHLC | None:
    if q is None:
        return None
    return QuoteOHLC(
        open=_required(f"{where}.open", price_field(f"{where}.open", q.open_dollars, q.open)),
        high=_required(f"{where}.high", price_field(f"{where}.high", q.high_dollars, q.high)),
        low=_required(f"{where}.low", price_field(f"{where}.low", q.low_dollars, q.low)),
        close=_required(f"{where}.close", price_field(f"{where}.close", q.close_dollars, q.close)),
    )


def _trade_prices(where: str, p: w.WPriceDist | None) -> TradeOHLC:
    if p is None:
        return TradeOHLC()
    return TradeOHLC(
        open=price_field(f"{where}.open", p.open_dollars, p.open),
        high=price_field(f"{where}.high", p.high_dollars, p.high),
        low=price_field(f"{where}.low", p.low_dollars, p.low),
        close=price_field(f"{where}.close", p.close_dollars, p.close),
        mean=price_field(f"{where}.mean", p.mean_dollars, p.mean),
        previous=price_field(f"{where}.previous", p.previous_dollars, p.previous),
        min=price_field(f"{where}.min", p.min_dollars, p.min),
        max=price_field(f"{where}.max", p.max_dollars, p.max),
    )


def _candles(where: str, items: list[w.WCandlestick]) -> tuple[Candlestick, ...]:
    return tuple(candle_from_wire(c, f"{where}[{i}]") for i, c in enumerate(items))


@_guarded("candlesticks")
def parse_market_candlesticks(data: Json) -> MarketCandlesticks:
    """`GET /series/{s}/markets/{t}/candlesticks` or the `/historical` twin."""
    body = _decode(data, w.WMarketCandlesticksResponse, "$")
    return MarketCandlesticks(body.ticker, _candles("candlesticks", body.candlesticks))


parse_historical_candlesticks = parse_market_candlesticks


@_guarded("markets")
def parse_batch_candlesticks(data: Json) -> list[MarketCandlesticks]:
    """`GET /markets/candlesticks` -> one MarketCandlesticks per market."""
    body = _decode(data, w.WBatchCandlesticksResponse, "$")
    return [
        MarketCandlesticks(m.market_ticker, _candles(f"markets[{i}].candlesticks", m.candlesticks))
        for i, m in enumerate(body.markets)
    ]


@_guarded("market_candlesticks")
def parse_event_candlesticks(data: Json) -> EventCandlesticks:
    """`GET /series/{s}/events/{e}/candlesticks`; lists are parallel to `market_tickers`."""
    body = _decode(data, w.WEventCandlesticksResponse, "$")
    if len(body.market_tickers) != len(body.market_candlesticks):
        raise ParseError("market_candlesticks", "length differs from market_tickers")
    markets = tuple(
        MarketCandlesticks(ticker, _candles(f"market_candlesticks[{i}]", candles))
        for i, (ticker, candles) in enumerate(
            zip(body.market_tickers, body.market_candlesticks, strict=True)
        )
    )
    return EventCandlesticks(markets=markets, adjusted_end_ts=body.adjusted_end_ts)


# --------------------------------------------------------------------------- order books


def _levels(
    where: str, pairs: list[w.LevelPair] | list[w.CentsLevel] | list[w.DollarLevel]
) -> tuple[Level, ...]:
    out = []
    for i, (price, size) in enumerate(pairs):
        at = f"{where}[{i}]"
        p = _required(at, price_field(at, None, price))
        c = _required(at, count_field(at, None, size))
        out.append((p, c))
    return tuple(out)


def _book_sides(
    where: str, fp: w.WOrderbookFp | None, legacy: w.WOrderbookLegacy | None
) -> tuple[tuple[Level, ...], tuple[Level, ...]]:
    """Prefer `orderbook_fp`; else era B `orderbook.*_dollars`; else era A cents (null = empty)."""
    if fp is not None:
        return (
            _levels(f"{where}_fp.yes_dollars", fp.yes_dollars or []),
            _levels(f"{where}_fp.no_dollars", fp.no_dollars or []),
        )
    if legacy is None:
        raise ParseError(where, "neither orderbook_fp nor orderbook present")
    if legacy.yes_dollars is not None or legacy.no_dollars is not None:
        return (
            _levels(f"{where}.yes_dollars", legacy.yes_dollars or []),
            _levels(f"{where}.no_dollars", legacy.no_dollars or []),
        )
    return _levels(f"{where}.yes", legacy.yes or []), _levels(f"{where}.no", legacy.no or [])


@_guarded("orderbook")
def parse_orderbook(data: Json, ticker: str | None = None) -> Orderbook:
    """`GET /markets/{t}/orderbook` in any era -> Orderbook (bids ascending)."""
    body = _decode(data, w.WOrderbookResponse, "$")
    yes, no = _book_sides("orderbook", body.orderbook_fp, body.orderbook)
    return Orderbook(yes=yes, no=no, ticker=ticker)


@_guarded("orderbooks")
def parse_orderbooks(data: Json) -> list[Orderbook]:
    """`GET /markets/orderbooks` -> [Orderbook]."""
    body = _decode(data, w.WOrderbooksResponse, "$")
    books = []
    for i, item in enumerate(body.orderbooks):
        yes, no = _book_sides(f"orderbooks[{i}].orderbook", item.orderbook_fp, item.orderbook)
        books.append(Orderbook(yes=yes, no=no, ticker=item.ticker))
    return books


# --------------------------------------------------------------------------- exchange


@_guarded("cutoff")
def parse_cutoff(data: Json) -> HistoricalCutoff:
    """`GET /historical/cutoff`."""
    c = _decode(data, w.WHistoricalCutoff, "$")
    return HistoricalCutoff(c.market_settled_ts, c.trades_created_ts, c.orders_updated_ts)


@_guarded("exchange_status")
def parse_exchange_status(data: Json) -> ExchangeStatus:
    s = _decode(data, w.WExchangeStatus, "$")
    return ExchangeStatus(s.exchange_active, s.trading_active, s.exchange_estimated_resume_time)


_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@_guarded("schedule")
def parse_exchange_schedule(data: Json) -> ExchangeSchedule:
    s = _decode(data, w.WScheduleResponse, "$").schedule
    weeks = tuple(
        WeeklySchedule(
            start_time=week.start_time,
            end_time=week.end_time,
            days=tuple(
                (day, tuple(DailySession(d.open_time, d.close_time) for d in getattr(week, day)))
                for day in _DAYS
            ),
        )
        for week in s.standard_hours
    )
    windows = tuple(
        MaintenanceWindow(m.start_datetime, m.end_datetime) for m in s.maintenance_windows
    )
    return ExchangeSchedule(standard_hours=weeks, maintenance_windows=windows)


def parse_error_body(data: Json) -> tuple[str, str]:
    """(code, message) from any Kalshi error body; ("", text) when it is not JSON."""
    try:
        body = msgspec.json.decode(data, type=w.WErrorResponse)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        text = data.decode(errors="replace") if isinstance(data, bytes) else data
        return "", text[:200]
    if isinstance(body.error, str):
        return body.error.replace(" ", "_"), body.error
    if body.error is not None:
        return body.error.code or "", body.error.message or ""
    return body.code or "", body.message or ""


# --------------------------------------------------------------------------- WebSocket


_frame_decoder = msgspec.json.Decoder(w.WServerFrame)
_type_only = msgspec.json.Decoder(dict[str, object])


def parse_stream_message(data: Json, received_ns: int = 0) -> StreamMessage | None:
    """One WebSocket text frame -> a stream message; None for frame types we do not model
    (for example `event_fee_update`). Malformed frames raise ParseError."""
    try:
        frame = _frame_decoder.decode(data)
    except msgspec.ValidationError as exc:
        if _unknown_type(data):
            return None
        message = str(exc)
        path = message.rsplit(" - at `", 1)[-1].rstrip("`") if " - at `" in message else "$"
        raise ParseError(f"frame{path.removeprefix('$')}", message.split(" - at ")[0]) from None
    except msgspec.DecodeError as exc:
        raise ParseError("frame", f"invalid JSON: {exc}") from None
    except RecursionError:
        raise ParseError("frame", "JSON nested too deeply") from None
    except UnicodeDecodeError:
        raise ParseError("frame", "invalid UTF-8 in a string") from None
    except TypeError:
        raise ParseError("frame", "expected JSON as bytes or str", type(data).__name__) from None
    try:
        return _FRAME_PARSERS[type(frame)](frame, received_ns)
    except ParseError:
        raise
    except MoneyError as exc:
        raise ParseError("frame.msg", exc.reason, exc.value) from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise ParseError("frame.msg", f"{type(exc).__name__}: {exc}") from None


def _unknown_type(data: Json) -> bool:
    try:
        kind = _type_only.decode(data).get("type")
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        return False
    return isinstance(kind, str) and kind not in w.KNOWN_FRAME_TYPES


def _subscribed(f: w.WSubscribed, received_ns: int) -> Subscribed:
    return Subscribed(id=f.id, channel=f.msg.channel, sid=f.msg.sid, received_ns=received_ns)


def _ok(f: w.WOk, received_ns: int) -> Ok:
    if isinstance(f.msg, list):
        subs = tuple(SubscriptionInfo(s.channel, s.sid) for s in f.msg)
        return Ok(id=f.id, sid=f.sid, seq=f.seq, subscriptions=subs, received_ns=received_ns)
    tickers = tuple(f.msg.market_tickers or ()) if f.msg is not None else ()
    return Ok(id=f.id, sid=f.sid, seq=f.seq, market_tickers=tickers, received_ns=received_ns)


def _unsubscribed(f: w.WUnsubscribed, received_ns: int) -> Unsubscribed:
    return Unsubscribed(id=f.id, sid=f.sid, seq=f.seq, received_ns=received_ns)


def _error(f: w.WError, received_ns: int) -> StreamErrorMessage:
    m = f.msg
    return StreamErrorMessage(
        id=f.id, code=m.code, msg=m.msg, market_ticker=m.market_ticker, received_ns=received_ns
    )


def _snapshot(f: w.WOrderbookSnapshot, received_ns: int) -> OrderbookSnapshot:
    m = f.msg
    if m.yes_dollars_fp is not None or m.no_dollars_fp is not None:
        yes, no = m.yes_dollars_fp or [], m.no_dollars_fp or []
    elif m.yes_dollars is not None or m.no_dollars is not None:
        yes, no = m.yes_dollars or [], m.no_dollars or []
    else:
        yes, no = m.yes or [], m.no or []
    return OrderbookSnapshot(
        sid=f.sid,
        seq=f.seq,
        market_ticker=m.market_ticker,
        yes=_levels("msg.yes", yes),
        no=_levels("msg.no", no),
        market_id=m.market_id,
        received_ns=received_ns,
    )


_SIDES: dict[str, Side] = {"yes": "yes", "no": "no"}


def _delta(f: w.WOrderbookDelta, received_ns: int) -> OrderbookDelta:
    """The hot path (hundreds of thousands of frames a second): cache hits inline."""
    m = f.msg
    price = _PRICE_CACHE.get(m.price_dollars) if m.price_dollars is not None else None
    if price is None:
        price = _delta_price(m)
    delta = _COUNT_CACHE.get(m.delta_fp) if m.delta_fp is not None else None
    if delta is None:
        delta = _delta_count(m)
    side = _SIDES.get(m.side)
    if side is None:
        raise ParseError("msg.side", "expected 'yes' or 'no'", m.side)
    ts_ms = m.ts_ms
    return OrderbookDelta(
        sid=f.sid,
        seq=f.seq,
        market_ticker=m.market_ticker,
        price=price,
        delta=delta,
        side=side,
        exchange_ts_ms=ts_ms if ts_ms is not None else _ms_from_rfc3339("msg.ts", m.ts),
        market_id=m.market_id,
        client_order_id=m.client_order_id,
        received_ns=received_ns,
    )


def _delta_price(m: w.WDeltaMsg) -> Price:
    try:
        if m.price_dollars is not None:
            return _price_from_text(m.price_dollars)
        return _cents("msg.price", m.price)
    except MoneyError as exc:
        raise ParseError("msg.price", exc.reason, exc.value) from None


def _delta_count(m: w.WDeltaMsg) -> Count:
    try:
        if m.delta_fp is not None:
            return _signed_count(m.delta_fp)
        return _int_count("msg.delta", m.delta)
    except MoneyError as exc:
        raise ParseError("msg.delta", exc.reason, exc.value) from None


def _cents(path: str, cents: int | None) -> Price:
    return _price_from_cents(_required(path, cents))


def _int_count(path: str, value: int | None) -> Count:
    return _count_from_int(_required(path, value))


def _signed_count(text: str) -> Count:
    """Deltas are signed; Count itself allows negatives only here (the change in size)."""
    return _count_from_text(text)


def _seconds_to_ms(seconds: int | None) -> int | None:
    return seconds * 1000 if seconds is not None else None


def _ticker(f: w.WTicker, received_ns: int) -> TickerUpdate:
    m = f.msg
    return TickerUpdate(
        sid=f.sid,
        market_ticker=m.market_ticker,
        price=price_field("msg.price", m.price_dollars, m.price),
        yes_bid=price_field("msg.yes_bid", m.yes_bid_dollars, m.yes_bid),
        yes_ask=price_field("msg.yes_ask", m.yes_ask_dollars, m.yes_ask),
        volume=count_field("msg.volume", m.volume_fp, m.volume),
        open_interest=count_field("msg.open_interest", m.open_interest_fp, m.open_interest),
        yes_bid_size=count_field("msg.yes_bid_size_fp", m.yes_bid_size_fp, None),
        yes_ask_size=count_field("msg.yes_ask_size_fp", m.yes_ask_size_fp, None),
        last_trade_size=count_field("msg.last_trade_size_fp", m.last_trade_size_fp, None),
        exchange_ts_ms=m.ts_ms if m.ts_ms is not None else _seconds_to_ms(m.ts),
        market_id=m.market_id,
        received_ns=received_ns,
    )


def _trade(f: w.WTradeFrame, received_ns: int) -> TradeUpdate:
    m = f.msg
    yes = _required("msg.yes_price", price_field("msg.yes_price", m.yes_price_dollars, m.yes_price))
    no = price_field("msg.no_price", m.no_price_dollars, m.no_price)
    return TradeUpdate(
        sid=f.sid,
        trade_id=m.trade_id,
        market_ticker=m.market_ticker,
        yes_price=yes,
        no_price=no if no is not None else yes.complement(),
        count=_required("msg.count", count_field("msg.count", m.count_fp, m.count)),
        taker_side=_taker_side("msg", m.taker_outcome_side, m.taker_side, m.taker_book_side),
        exchange_ts_ms=m.ts_ms if m.ts_ms is not None else _seconds_to_ms(m.ts),
        is_block_trade=bool(m.is_block_trade),
        received_ns=received_ns,
    )


def _lifecycle(f: w.WMarketLifecycle, received_ns: int) -> MarketLifecycle:
    m = f.msg
    return MarketLifecycle(
        sid=f.sid,
        market_ticker=m.market_ticker,
        event_type=m.event_type,
        open_ts=m.open_ts,
        close_ts=m.close_ts,
        result=_blank_to_none(m.result),
        determination_ts=m.determination_ts,
        settlement_value=price_field("msg.settlement_value", m.settlement_value, None),
        settled_ts=m.settled_ts,
        is_deactivated=m.is_deactivated,
        price_level_structure=m.price_level_structure,
        price_ranges=_ranges("msg.price_ranges", m.price_ranges),
        received_ns=received_ns,
    )


def _event_lifecycle(f: w.WEventLifecycle, received_ns: int) -> EventLifecycle:
    m = f.msg
    return EventLifecycle(
        sid=f.sid,
        event_ticker=m.event_ticker,
        title=m.title,
        subtitle=m.subtitle,
        collateral_return_type=m.collateral_return_type,
        series_ticker=m.series_ticker,
        received_ns=received_ns,
    )


_FRAME_PARSERS: dict[type[Any], Callable[[Any, int], StreamMessage]] = {
    w.WSubscribed: _subscribed,
    w.WOk: _ok,
    w.WUnsubscribed: _unsubscribed,
    w.WError: _error,
    w.WOrderbookSnapshot: _snapshot,
    w.WOrderbookDelta: _delta,
    w.WTicker: _ticker,
    w.WTradeFrame: _trade,
    w.WMarketLifecycle: _lifecycle,
    w.WEventLifecycle: _event_lifecycle,
}
