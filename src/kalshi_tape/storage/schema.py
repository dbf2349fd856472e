"""The warehouse schema: the one definition behind both SQL dialects, Arrow and docs/schemas.md.

Every column has a logical `Kind` that maps to a DuckDB type, a PostgreSQL type and an
Arrow type, so money stays exact end to end:

    price      DECIMAL(10,6)   dollars, 0..1, exact to 1e-6 (sub-penny prices fit)
    count      DECIMAL(18,2)   contracts, exact to 0.01 (fractional trading)
    decimal    DECIMAL(18,6)   other exact numbers (strikes, fee multipliers)
    temp       DECIMAL(7,2)    temperatures in °F
    timestamp  TIMESTAMPTZ     UTC, microseconds

`ingested_at` is the only bookkeeping column; it changes only when a row's content does.
"""

from __future__ import annotations

from kalshi_tape.storage.schema_model import (
    _ARROW_TYPES,
    _DUCKDB_TYPES,
    _POSTGRES_TYPES,
    INGESTED_AT,
    Column,
    Dialect,
    Kind,
    Table,
    TimeAxis,
    _c,
    _ingested,
    _key,
    _ohlc,
)
from kalshi_tape.storage.schema_reference import EVENTS, MARKETS, SERIES, TRADES
from kalshi_tape.storage.schema_weather import (
    DAILY_CLIMATE,
    WEATHER_FORECASTS,
    WEATHER_OBSERVATIONS,
)

__all__ = [
    "DAILY_CLIMATE",
    "EVENTS",
    "INGESTED_AT",
    "MARKETS",
    "SERIES",
    "TRADES",
    "WEATHER_FORECASTS",
    "WEATHER_OBSERVATIONS",
    "Column",
    "Dialect",
    "Kind",
    "Table",
    "TimeAxis",
]


CANDLES = Table(
    "candles",
    "Candlesticks per market and period: Kalshi's (source 'kalshi'), our own from stored "
    "trades (source 'trades') and the collector's live 1-minute candles (source 'collector').",
    (
        _key("market_ticker", "text", "", "Market ticker"),
        _key("period_minutes", "int", "minutes", "Period length: 1, 60 or 1440"),
        _key(
            "source",
            "text",
            "",
            "'kalshi' (from the API), 'trades' (from stored trades) or 'collector' (live)",
        ),
        _key("end_period_ts", "timestamp", "UTC", "Inclusive end of the period"),
        *_ohlc("yes_bid", "Best YES bid"),
        *_ohlc("yes_ask", "Best YES ask"),
        *_ohlc("price", "Traded YES price (NULL when nothing traded)"),
        _c("price_mean", "price", "$", "Traded YES price: volume-weighted mean"),
        _c("price_previous", "price", "$", "Traded YES price: last trade before the period"),
        _c("price_min", "price", "$", "Traded YES price: minimum"),
        _c("price_max", "price", "$", "Traded YES price: maximum"),
        _key("volume", "count", "contracts", "Contracts traded in the period"),
        _key("open_interest", "count", "contracts", "Open interest at the period end"),
        _ingested(),
    ),
    ("market_ticker", "period_minutes", "source", "end_period_ts"),
    time=TimeAxis("end_period_ts"),
)


MARKET_SNAPSHOTS = Table(
    "market_snapshots",
    "Top of book per market each time the collector takes a snapshot, with what triggered it.",
    (
        _key("market_ticker", "text", "", "Market ticker"),
        _key("received_ns", "bigint", "Unix ns", "Our clock when the snapshot was taken"),
        _key(
            "trigger",
            "text",
            "",
            "What caused it: interval, spike, snapshot (exchange book snapshot, also after "
            "a resync), poll (REST), ticker (ticker-channel state: last price, volume, OI)",
        ),
        _c("exchange_ts_ms", "bigint", "Unix ms", "Exchange time of the triggering message"),
        _c("sid", "bigint", "", "WebSocket subscription id"),
        _c("seq", "bigint", "", "Sequence number of the last applied message"),
        _c("yes_bid", "price", "$", "Best YES bid"),
        _c("yes_bid_size", "count", "contracts", "Size at the best YES bid"),
        _c("yes_ask", "price", "$", "Best YES ask (1 - best NO bid)"),
        _c("yes_ask_size", "count", "contracts", "Size at the best YES ask"),
        _c("last_price", "price", "$", "Last traded YES price"),
        _c("volume", "count", "contracts", "Lifetime volume"),
        _c("open_interest", "count", "contracts", "Open interest"),
        _ingested(),
    ),
    ("market_ticker", "received_ns", "trigger"),
    time=TimeAxis("received_ns", unit="ns"),
)

ORDERBOOK_SNAPSHOTS = Table(
    "orderbook_snapshots",
    "Full order-book snapshots, one row per price level (bids of each side).",
    (
        _key("market_ticker", "text", "", "Market ticker"),
        _key("received_ns", "bigint", "Unix ns", "Our clock when the snapshot arrived"),
        _key("side", "text", "", "yes or no (bids on that side)"),
        _key("price", "price", "$", "Level price"),
        _key("quantity", "count", "contracts", "Resting size at the level"),
        _key("sid", "bigint", "", "WebSocket subscription id (0 for REST snapshots)"),
        _key("seq", "bigint", "", "Sequence number of the snapshot (0 for REST)"),
        _ingested(),
    ),
    ("market_ticker", "received_ns", "side", "price"),
    time=TimeAxis("received_ns", unit="ns"),
)

ORDERBOOK_DELTAS = Table(
    "orderbook_deltas",
    "The raw L2 tape: every orderbook_delta message as received.",
    (
        _key("received_ns", "bigint", "Unix ns", "Our clock when the frame arrived"),
        _key("sid", "bigint", "", "WebSocket subscription id"),
        _key("seq", "bigint", "", "Sequence number within the subscription"),
        _key("market_ticker", "text", "", "Market ticker"),
        _c("exchange_ts_ms", "bigint", "Unix ms", "Exchange timestamp, when sent"),
        _key("side", "text", "", "yes or no"),
        _key("price", "price", "$", "Level price"),
        _key("delta", "count", "contracts", "Change in resting size (negative = removed)"),
        _c("client_order_id", "text", "", "Our order id when the change was ours"),
        _c(
            "book_state",
            "text",
            "",
            "The feed's state of the market's book when the frame arrived: live, or "
            "awaiting_snapshot (kept on the tape, not applied; NULL on rows stored before "
            "migration 22, which were all live)",
        ),
        _ingested(),
    ),
    ("received_ns", "sid", "seq"),
    time=TimeAxis("received_ns", unit="ns"),
    indexes=(("market_ticker", "received_ns"),),
)

SEQUENCE_GAPS = Table(
    "sequence_gaps",
    "Stream integrity events: sequence gaps, resyncs and reconnects.",
    (
        _key("received_ns", "bigint", "Unix ns", "Our clock when it happened"),
        _key(
            "kind",
            "text",
            "",
            "gap, resync (a market's book dropped: awaiting a snapshot), resync_step (the "
            "snapshot was overdue: the next step taken), resynced (live again) or reconnect",
        ),
        _key("sid", "bigint", "", "Subscription id (0 = whole connection)"),
        _key("market_ticker", "text", "", "Market ticker ('' = every market)"),
        _c("expected_seq", "bigint", "", "Sequence number we expected"),
        _c("got_seq", "bigint", "", "Sequence number we got"),
        _c("detail", "text", "", "Free text: reason, error"),
        _c(
            "cause",
            "text",
            "",
            "resync rows: what put the book out of sync (gap, malformed, invariant, "
            "reconnect, subscribe, snapshot_refused, channel_error); NULL otherwise and on "
            "rows stored before migration 23",
        ),
        _c(
            "duration_ns",
            "bigint",
            "ns",
            "resync_step: how long the market had awaited its snapshot; resynced: how long "
            "it was out of sync in all (our clock)",
        ),
        _ingested(),
    ),
    ("received_ns", "kind", "sid", "market_ticker"),
    time=TimeAxis("received_ns", unit="ns", segment_by="kind"),
)

BACKFILL_PROGRESS = Table(
    "backfill_progress",
    "Backfill checkpoints: a task is done when its row says so.",
    (
        _key("task_key", "text", "", "Unique task key, e.g. candles/KXHIGHNY-26AUG08/1"),
        _key("kind", "text", "", "Task kind (series, events, markets, candles, trades, ...)"),
        _key("rows", "bigint", "rows", "Rows written by the task"),
        _key("requests", "bigint", "requests", "HTTP requests the task made"),
        _key("done", "bool", "", "Whether the task finished"),
        _c("detail", "text", "", "Free text (cursor, note)"),
        _ingested(),
    ),
    ("task_key",),
)

API_KEYS = Table(
    "api_keys",
    "API keys of `ktape serve`: only a SHA-256 hash of each key is stored.",
    (
        _key("key_id", "text", "", "Public id (8 hex digits); the key is kt_<id>_<secret>"),
        _c("name", "text", "", "Who or what the key is for"),
        _key("key_hash", "text", "", "SHA-256 (hex) of the whole key"),
        _key("issued_at", "timestamp", "UTC", "When the key was created"),
        _c("revoked_at", "timestamp", "UTC", "When the key was revoked (NULL while active)"),
        _c("rate_per_s", "int", "requests/s", "Sustained rate limit (NULL: server default)"),
        _c("burst", "int", "requests", "Burst allowance (NULL: server default)"),
        _ingested(),
    ),
    ("key_id",),
)

PAPER_SESSIONS = Table(
    "paper_sessions",
    "Paper-trading sessions (`ktape paper`): the strategy, its parameters and the outcome.",
    (
        _key("session_id", "text", "", "Session id (UTC start time and a random suffix)"),
        _c("strategy", "text", "", "Strategy name"),
        _c("params_json", "json", "", "Strategy parameters as given (--param), JSON object"),
        _c("series_ticker", "text", "", "Series traded"),
        _c("base_url", "text", "", "Exchange REST base URL"),
        _c("event_tickers", "text", "", "Events traded, comma-separated"),
        _c("started_ns", "bigint", "Unix ns", "Our clock when the session started"),
        _c("ended_ns", "bigint", "Unix ns", "Our clock when it ended (NULL while running)"),
        _c("tape_from_ns", "bigint", "Unix ns", "Our clock at the first book message used"),
        _c("tape_to_ns", "bigint", "Unix ns", "Our clock at the last book message used"),
        _c("trades_from_ms", "bigint", "Unix ms", "Exchange time of the first trade window"),
        _c("trades_to_ms", "bigint", "Unix ms", "Exchange time of the last message used"),
        _c("bars", "int", "bars", "Bars closed (one a minute of exchange time)"),
        _c("first_bar_ts", "bigint", "Unix s", "Exchange time of the first bar end"),
        _c("last_bar_ts", "bigint", "Unix s", "Exchange time of the last bar end"),
        _c("fills", "int", "", "Fills journaled"),
        _c("fees", "decimal", "$", "Fees paid"),
        _c("cash", "decimal", "$", "Cash after fees (starts at 0)"),
        _c("pnl", "decimal", "$", "Cash plus positions valued at settlement (else last mid)"),
        _c("settled", "bool", "", "Whether every position was valued at a settlement"),
        _ingested(),
    ),
    ("session_id",),
)

PAPER_ORDERS = Table(
    "paper_orders",
    "Orders a paper-trading strategy placed, as simulated against the live book.",
    (
        _key("session_id", "text", "", "Paper session"),
        _key("order_id", "text", "", "Order id within the session"),
        _c("decided_ts", "timestamp", "UTC", "Exchange time of the bar end it was decided at"),
        _c("received_ns", "bigint", "Unix ns", "Our clock when it was decided"),
        _c("event_ticker", "text", "", "Event ticker"),
        _c("market_ticker", "text", "", "Market ticker"),
        _c("side", "text", "", "yes or no"),
        _c("action", "text", "", "buy or sell"),
        _c("count", "count", "contracts", "Contracts ordered"),
        _c("liquidity", "text", "", "taker (fill now against the book) or maker (rest)"),
        _c("limit_price", "price", "$", "Limit in the side's own terms (NULL: none)"),
        _c("ttl_bars", "int", "bars", "Maker orders: bars to rest before expiring"),
        _c("queue_ahead", "count", "contracts", "Maker orders: resting size ahead at placement"),
        _c("status", "text", "", "filled, partial, unfilled, rejected (post-only cross), resting"),
        _c("filled_count", "count", "contracts", "Contracts filled so far"),
        _c("tag", "text", "", "The strategy's tag"),
        _ingested(),
    ),
    ("session_id", "order_id"),
)

PAPER_FILLS = Table(
    "paper_fills",
    "Simulated executions of paper orders, with the position and cash after each.",
    (
        _key("session_id", "text", "", "Paper session"),
        _key("fill_id", "text", "", "order_id/n"),
        _c("order_id", "text", "", "The order filled"),
        _c("exchange_ts", "timestamp", "UTC", "Exchange time: the bar end (taker) or trade time"),
        _c("received_ns", "bigint", "Unix ns", "Our clock when the fill was simulated"),
        _c("event_ticker", "text", "", "Event ticker"),
        _c("market_ticker", "text", "", "Market ticker"),
        _c("side", "text", "", "yes or no"),
        _c("action", "text", "", "buy or sell"),
        _c("count", "count", "contracts", "Contracts filled"),
        _c("price", "price", "$", "Price in the side's own terms"),
        _c("liquidity", "text", "", "taker or maker"),
        _c("fee", "decimal", "$", "Fee charged (backtest fee schedule)"),
        _c("position_after", "count", "contracts", "Net YES contracts in the market after it"),
        _c("cash_after", "decimal", "$", "Session cash after it, fees included"),
        _ingested(),
    ),
    ("session_id", "fill_id"),
)

PAPER_TABLES = (PAPER_SESSIONS, PAPER_ORDERS, PAPER_FILLS)

TABLES: tuple[Table, ...] = (
    SERIES,
    EVENTS,
    MARKETS,
    CANDLES,
    TRADES,
    MARKET_SNAPSHOTS,
    ORDERBOOK_SNAPSHOTS,
    ORDERBOOK_DELTAS,
    SEQUENCE_GAPS,
    WEATHER_OBSERVATIONS,
    DAILY_CLIMATE,
    BACKFILL_PROGRESS,
    WEATHER_FORECASTS,
    API_KEYS,
    *PAPER_TABLES,
)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"no table {name!r}; tables: {', '.join(TABLES_BY_NAME)}") from None


def render_markdown() -> str:
    """docs/schemas.md, generated from the definitions above (a test keeps it in step)."""
    out = [
        "# Warehouse schema",
        "",
        "<!-- Generated by kalshi_tape.storage.schema.render_markdown(); do not edit by hand.",
        "     Regenerate: .venv/bin/python -m kalshi_tape.storage.schema > docs/schemas.md -->",
        "",
        "One schema on both engines (DuckDB and PostgreSQL/TimescaleDB). Prices are exact",
        "decimals in dollars, counts exact decimals in contracts; nothing is stored as float.",
        "`ingested_at` is the only bookkeeping column: it changes only when a row's content",
        "changes, so rewriting identical rows leaves a table untouched.",
        "",
        "| Logical kind | DuckDB | PostgreSQL | Arrow |",
        "|---|---|---|---|",
    ]
    for kind, duck in _DUCKDB_TYPES.items():
        out.append(f"| {kind} | {duck} | {_POSTGRES_TYPES[kind]} | {_ARROW_TYPES[kind]} |")
    for tbl in TABLES:
        out += ["", f"## {tbl.name}", "", tbl.description, ""]
        out.append(f"Natural key: ({', '.join(tbl.primary_key)}).")
        if tbl.time is not None:
            uses = "TimescaleDB hypertable, " if tbl.time.hypertable else ""
            out.append(f"Time axis: `{tbl.time.column}` ({uses}Parquet `date=` folders).")
        out += ["", "| Column | Type | Unit | Null | Description |", "|---|---|---|---|---|"]
        for col in tbl.columns:
            null = "yes" if col.nullable else "no"
            out.append(f"| `{col.name}` | {col.kind} | {col.unit} | {null} | {col.description} |")
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(render_markdown(), end="")
