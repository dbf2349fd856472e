"""Reference tables of the warehouse schema: series, events, markets and trades as the
exchange defines them (the tables `schema.TABLES` lists first)."""

from __future__ import annotations

from kalshi_tape.storage.schema_model import Table, TimeAxis, _c, _ingested, _key

SERIES = Table(
    "series",
    "Kalshi series (a family of recurring events such as KXHIGHNY).",
    (
        _key("ticker", "text", "", "Series ticker"),
        _c("title", "text", "", "Title"),
        _c("category", "text", "", "Category"),
        _c("frequency", "text", "", "Recurrence (daily, weekly, ...)"),
        _c("fee_type", "text", "", "Fee schedule name"),
        _c("fee_multiplier", "decimal", "", "Fee multiplier"),
        _c("contract_url", "text", "", "Contract terms URL"),
        _c("last_updated_ts", "timestamp", "UTC", "When Kalshi last changed the series"),
        _c("raw_json", "json", "", "The JSON object exactly as received"),
        _ingested(),
    ),
    ("ticker",),
)


EVENTS = Table(
    "events",
    "Kalshi events (one climate day of a series; holds the bracket markets).",
    (
        _key("event_ticker", "text", "", "Event ticker, e.g. KXHIGHNY-26AUG08"),
        _c("series_ticker", "text", "", "Series ticker"),
        _c("title", "text", "", "Title"),
        _c("sub_title", "text", "", "Subtitle"),
        _c("collateral_return_type", "text", "", "Collateral return type"),
        _c("mutually_exclusive", "bool", "", "Whether at most one market settles YES"),
        _c("strike_date", "timestamp", "UTC", "Strike date"),
        _c("strike_period", "text", "", "Strike period"),
        _c("raw_json", "json", "", "The JSON object exactly as received"),
        _ingested(),
    ),
    ("event_ticker",),
    indexes=(("series_ticker",),),
)


MARKETS = Table(
    "markets",
    "Kalshi markets: key fields as columns, the full object in raw_json.",
    (
        _key("ticker", "text", "", "Market ticker"),
        _c("event_ticker", "text", "", "Event ticker"),
        _c("market_type", "text", "", "binary or scalar"),
        _c(
            "status",
            "text",
            "",
            "Lifecycle status (initialized, active, inactive, closed, determined, finalized, "
            "...); legacy settled/open are stored as finalized/active",
        ),
        _c("title", "text", "", "Title"),
        _c("subtitle", "text", "", "Subtitle"),
        _c("yes_sub_title", "text", "", "YES side label, e.g. '80° to 81°'"),
        _c("no_sub_title", "text", "", "NO side label"),
        _c("strike_type", "text", "", "between, greater, less, ..."),
        _c("floor_strike", "decimal", "°F (weather)", "Lower strike"),
        _c("cap_strike", "decimal", "°F (weather)", "Upper strike"),
        _c("open_time", "timestamp", "UTC", "Trading opens"),
        _c("close_time", "timestamp", "UTC", "Trading closes"),
        _c("expected_expiration_time", "timestamp", "UTC", "Expected expiration"),
        _c("latest_expiration_time", "timestamp", "UTC", "Latest possible expiration"),
        _c("updated_time", "timestamp", "UTC", "When Kalshi last changed the market"),
        _c("yes_bid", "price", "$", "Best YES bid when fetched"),
        _c("yes_ask", "price", "$", "Best YES ask when fetched"),
        _c("no_bid", "price", "$", "Best NO bid when fetched"),
        _c("no_ask", "price", "$", "Best NO ask when fetched"),
        _c("last_price", "price", "$", "Last traded YES price"),
        _c("volume", "count", "contracts", "Lifetime volume"),
        _c("volume_24h", "count", "contracts", "Volume over the last 24 h"),
        _c("open_interest", "count", "contracts", "Open interest"),
        _c("result", "text", "", "yes, no, or empty while unsettled"),
        _c("settlement_value", "price", "$", "YES payout per contract at settlement"),
        _c("settlement_ts", "timestamp", "UTC", "When the market settled"),
        _c("raw_json", "json", "", "The JSON object exactly as received"),
        _ingested(),
    ),
    ("ticker",),
    indexes=(("event_ticker",),),
)


TRADES = Table(
    "trades",
    "Public trades (REST /markets/trades, /historical/trades and the trade channel).",
    (
        _key("trade_id", "text", "", "Kalshi trade id"),
        _key("created_time", "timestamp", "UTC", "Execution time"),
        _key("market_ticker", "text", "", "Market ticker"),
        _key("yes_price", "price", "$", "YES price"),
        _key("no_price", "price", "$", "NO price (1 - yes_price)"),
        _key("count", "count", "contracts", "Contracts traded"),
        _c("taker_side", "text", "", "yes or no; NULL when not reported"),
        _key("is_block_trade", "bool", "", "Block trade"),
        _ingested(),
    ),
    ("trade_id",),
    # REST and the trade channel stamp one trade with different precision, so the key is
    # trade_id alone; TimescaleDB needs time in every unique key, so no hypertable here.
    time=TimeAxis("created_time", hypertable=False),
    indexes=(("market_ticker", "created_time"),),
)
