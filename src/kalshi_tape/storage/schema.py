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

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

Kind = Literal[
    "text",
    "bool",
    "int",
    "bigint",
    "price",
    "count",
    "decimal",
    "temp",
    "timestamp",
    "date",
    "json",
]

_DUCKDB_TYPES: dict[Kind, str] = {
    "text": "VARCHAR",
    "bool": "BOOLEAN",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "price": "DECIMAL(10,6)",
    "count": "DECIMAL(18,2)",
    "decimal": "DECIMAL(18,6)",
    "temp": "DECIMAL(7,2)",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
    "json": "VARCHAR",
}

# Text sorts bytewise on both engines (DuckDB's default); "C" also keeps PostgreSQL's
# key comparisons fast whatever the database locale.
_POSTGRES_TYPES: dict[Kind, str] = {
    "text": 'TEXT COLLATE "C"',
    "bool": "BOOLEAN",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "price": "NUMERIC(10,6)",
    "count": "NUMERIC(18,2)",
    "decimal": "NUMERIC(18,6)",
    "temp": "NUMERIC(7,2)",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
    "json": 'TEXT COLLATE "C"',
}

_ARROW_TYPES: dict[Kind, pa.DataType] = {
    "text": pa.string(),
    "bool": pa.bool_(),
    "int": pa.int32(),
    "bigint": pa.int64(),
    "price": pa.decimal128(10, 6),
    "count": pa.decimal128(18, 2),
    "decimal": pa.decimal128(18, 6),
    "temp": pa.decimal128(7, 2),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "json": pa.string(),
}

Dialect = Literal["duckdb", "postgresql"]
INGESTED_AT = "ingested_at"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    unit: str
    description: str
    nullable: bool = True

    def sql_type(self, dialect: Dialect) -> str:
        return (_DUCKDB_TYPES if dialect == "duckdb" else _POSTGRES_TYPES)[self.kind]

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW_TYPES[self.kind]


@dataclass(frozen=True, slots=True)
class TimeAxis:
    """How a table is partitioned in time: hypertable chunks and Parquet `date=` folders.

    `unit` is "timestamp" for TIMESTAMPTZ columns, "ns"/"ms" for integer Unix clocks.
    """

    column: str
    unit: Literal["timestamp", "ns", "ms"] = "timestamp"
    segment_by: str = "market_ticker"
    hypertable: bool = True  # False when the natural key lacks the time column


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    time: TimeAxis | None = None
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def value_columns(self) -> tuple[str, ...]:
        """Columns an upsert compares and overwrites: not the key, not `ingested_at`."""
        return tuple(
            c.name for c in self.columns if c.name not in self.primary_key and c.name != INGESTED_AT
        )

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name}.{name}")

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in self.columns]
        )

    def create_sql(self, dialect: Dialect) -> str:
        lines = [
            f"    {c.name} {c.sql_type(dialect)}{'' if c.nullable else ' NOT NULL'}"
            for c in self.columns
        ]
        lines.append(f"    PRIMARY KEY ({', '.join(self.primary_key)})")
        body = ",\n".join(lines)
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n{body}\n)"

    def index_sql(self) -> list[str]:
        """Secondary indexes (PostgreSQL only: DuckDB's min-max zone maps serve range scans)."""
        return [
            f"CREATE INDEX IF NOT EXISTS {self.name}_{'_'.join(cols)}_idx "
            f"ON {self.name} ({', '.join(cols)})"
            for cols in self.indexes
        ]


def _c(name: str, kind: Kind, unit: str, description: str, nullable: bool = True) -> Column:
    return Column(name, kind, unit, description, nullable)


def _key(name: str, kind: Kind, unit: str, description: str) -> Column:
    return Column(name, kind, unit, description, nullable=False)


def _ingested() -> Column:
    return _key(INGESTED_AT, "timestamp", "UTC", "When this row's content was last written")


def _ohlc(prefix: str, what: str) -> tuple[Column, ...]:
    return tuple(
        _c(f"{prefix}_{part}", "price", "$", f"{what}: {label}")
        for part, label in (("open", "open"), ("high", "high"), ("low", "low"), ("close", "close"))
    )


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

CANDLES = Table(
    "candles",
    "Candlesticks per market and period: Kalshi's (source 'kalshi') and our own from trades "
    "(source 'trades').",
    (
        _key("market_ticker", "text", "", "Market ticker"),
        _key("period_minutes", "int", "minutes", "Period length: 1, 60 or 1440"),
        _key("source", "text", "", "'kalshi' (from the API) or 'trades' (computed here)"),
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

MARKET_SNAPSHOTS = Table(
    "market_snapshots",
    "Top of book per market each time the collector takes a snapshot, with what triggered it.",
    (
        _key("market_ticker", "text", "", "Market ticker"),
        _key("received_ns", "bigint", "Unix ns", "Our clock when the snapshot was taken"),
        _key("trigger", "text", "", "What caused it: interval, delta, ticker, trade, resync, ..."),
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
        _key("kind", "text", "", "gap, resync or reconnect"),
        _key("sid", "bigint", "", "Subscription id (0 = whole connection)"),
        _key("market_ticker", "text", "", "Market ticker ('' = every market)"),
        _c("expected_seq", "bigint", "", "Sequence number we expected"),
        _c("got_seq", "bigint", "", "Sequence number we got"),
        _c("detail", "text", "", "Free text: reason, error"),
        _ingested(),
    ),
    ("received_ns", "kind", "sid", "market_ticker"),
    time=TimeAxis("received_ns", unit="ns", segment_by="kind"),
)

WEATHER_OBSERVATIONS = Table(
    "weather_observations",
    "Station observations (ASOS 1-minute, METAR, ...).",
    (
        _key("station", "text", "", "Station id, e.g. KNYC"),
        _key("source", "text", "", "asos1min, metar, ..."),
        _key("observed_at", "timestamp", "UTC", "Observation time"),
        _c("temperature_f", "temp", "°F", "Air temperature"),
        _c("dewpoint_f", "temp", "°F", "Dew point"),
        _c("raw_text", "text", "", "The report as received (e.g. the METAR)"),
        _ingested(),
    ),
    ("station", "source", "observed_at"),
    time=TimeAxis("observed_at", segment_by="station"),
)

DAILY_CLIMATE = Table(
    "daily_climate",
    "Daily climate values per station and climate day (local standard time).",
    (
        _key("station", "text", "", "Station id, e.g. KNYC"),
        _key("climate_date", "date", "LST day", "Climate day in local standard time"),
        _key("source", "text", "", "cli, cf6, computed, ..."),
        _c("max_temp_f", "temp", "°F", "Maximum temperature"),
        _c("min_temp_f", "temp", "°F", "Minimum temperature"),
        _c("is_final", "bool", "", "Whether the report is final (not preliminary)"),
        _c("issued_at", "timestamp", "UTC", "When the report was issued"),
        _c("raw_text", "text", "", "The report as received"),
        _ingested(),
    ),
    ("station", "climate_date", "source"),
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
