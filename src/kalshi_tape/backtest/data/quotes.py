"""`ktape import quotes`: top-of-book CSV logs as market snapshots, official highs as settlement.

Accepted log shape (one row per top-of-book change, prices in integer cents):
    timestamp, market_ticker, best_yes_bid, best_no_bid, implied_no_ask, implied_yes_ask
    [, last_trade_price]
Timestamps are naive and read in the zone given (`--tz`); a bid of 0 / ask of 100 is an
empty side (stored as NULL). Rows go to `market_snapshots` with trigger 'import'.

From the tickers (`KXHIGHNY-25DEC05-B32.5`, `-T37`) the import also writes the event and its
bracket markets: `B<x>` is between x−0.5 and x+0.5 (inclusive), a `T` below every `B` is the
lower tail (less than T), above them the upper tail (greater than T). With `--highs` (CSV:
`date` and `official_daily_high_f` or `actual_high`, whole °F) each market gets its result
(yes/no by brackets.py) and the high goes to `daily_climate` (source 'cli').
Markets close at the end of the climate day (LST); settlement is assumed 6 h later.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa

from kalshi_tape.backtest.data.panel import BacktestInputError
from kalshi_tape.backtest.execution.events import bracket_from_strikes
from kalshi_tape.parse.tickers import event_date
from kalshi_tape.reference.brackets import Bracket
from kalshi_tape.reference.stations import station_for
from kalshi_tape.storage import Store, schema

REQUIRED = ("timestamp", "market_ticker", "best_yes_bid", "implied_yes_ask")
_STRIKE = re.compile(r"-([BT])(\d+(?:\.\d+)?)$")
SETTLEMENT_LAG = timedelta(hours=6)
_CENTS = [f"{c / 100:.2f}" for c in range(101)]


def _arrow(table: str, columns: dict[str, list[object] | pa.Array]) -> pa.Table:
    """An Arrow table with every column of `table`: given ones, the rest NULL."""
    spec = schema.table(table)
    n = len(next(iter(columns.values())))
    arrays = []
    for col in spec.columns:
        if col.name == schema.INGESTED_AT:
            continue
        given = columns.get(col.name)
        arrays.append(pa.array([None] * n, type=col.arrow_type) if given is None else given)
    names = [c.name for c in spec.columns if c.name != schema.INGESTED_AT]
    return pa.Table.from_arrays(arrays, names=names)


def read_log(path: Path, zone: str) -> pl.DataFrame:
    """One log as (market_ticker, received_ns, yes_bid_cents, yes_ask_cents)."""
    try:
        frame = pl.read_csv(path, infer_schema_length=0)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise BacktestInputError(f"{path}: not a readable CSV ({exc})") from exc
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise BacktestInputError(
            f"{path}: missing columns {', '.join(missing)} (need {', '.join(REQUIRED)})"
        )
    if frame.height == 0:
        raise BacktestInputError(f"{path}: no rows")
    try:
        out = frame.select(
            pl.col("market_ticker"),
            pl.col("timestamp")
            .str.to_datetime(time_unit="us", strict=True)
            .dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
            .dt.epoch("ns")
            .alias("received_ns"),
            pl.col("best_yes_bid").cast(pl.Int64, strict=True).alias("bid"),
            pl.col("implied_yes_ask").cast(pl.Int64, strict=True).alias("ask"),
        )
    except pl.exceptions.PolarsError as exc:
        raise BacktestInputError(f"{path}: bad value ({str(exc).splitlines()[0]})") from exc
    bad = out.filter(
        pl.col("received_ns").is_null()
        | ~pl.col("bid").is_between(0, 100)
        | ~pl.col("ask").is_between(0, 100)
    )
    if bad.height:
        raise BacktestInputError(
            f"{path}: {bad.height} rows with prices outside 0..100 cents or bad times"
        )
    return out


def snapshots_table(log: pl.DataFrame) -> pa.Table:
    log = log.unique(subset=["market_ticker", "received_ns"], keep="last", maintain_order=True)
    bids = [None if c == 0 else _CENTS[c] for c in log["bid"].to_list()]
    asks = [None if c == 100 else _CENTS[c] for c in log["ask"].to_list()]
    n = log.height
    return _arrow(
        "market_snapshots",
        {
            "market_ticker": pa.array(log["market_ticker"].to_list(), pa.string()),
            "received_ns": pa.array(log["received_ns"].to_list(), pa.int64()),
            "trigger": pa.array(["import"] * n, pa.string()),
            "yes_bid": pa.array(bids, pa.string()),
            "yes_ask": pa.array(asks, pa.string()),
        },
    )


def brackets_of(tickers: Iterable[str]) -> list[Bracket]:
    """Bracket intervals from `B`/`T` ticker suffixes (see the module docstring)."""
    parsed = []
    for t in sorted(set(tickers)):
        m = _STRIKE.search(t)
        if m is None:
            raise BacktestInputError(f"market {t}: ticker does not end in -B<x> or -T<x>")
        parsed.append((t, m.group(1), Decimal(m.group(2))))
    floors = [x - Decimal("0.5") for _, kind, x in parsed if kind == "B"]
    if not floors:
        raise BacktestInputError("no between (-B) brackets: cannot tell the tails apart")
    out = []
    for t, kind, x in parsed:
        if kind == "B":
            out.append(bracket_from_strikes(t, "between", x - Decimal("0.5"), x + Decimal("0.5")))
        elif x <= min(floors):
            out.append(bracket_from_strikes(t, "less", None, x))
        else:
            out.append(bracket_from_strikes(t, "greater", x, None))
    return out


def read_highs(path: Path) -> dict[date, Decimal]:
    frame = pl.read_csv(path, infer_schema_length=0)
    column = next((c for c in ("official_daily_high_f", "actual_high") if c in frame.columns), None)
    if "date" not in frame.columns or column is None:
        raise BacktestInputError(
            f"{path}: need columns date and official_daily_high_f (or actual_high)"
        )
    out = {}
    for day, value in zip(frame["date"].to_list(), frame[column].to_list(), strict=True):
        if value not in (None, ""):
            out[date.fromisoformat(day)] = Decimal(value).quantize(Decimal(1))
    return out


def _event_rows(
    event: str, brackets: Sequence[Bracket], high: Decimal | None
) -> tuple[pa.Table, pa.Table]:
    series = event.split("-", 1)[0]
    day = event_date(event)
    station = station_for(series)
    if day is None or station is None:
        raise BacktestInputError(f"event {event}: unknown series or no date in the ticker")
    markets = _market_rows(event, brackets, high, station.climate_day_bounds(day)[1])
    events = _arrow(
        "events",
        {
            "event_ticker": pa.array([event], pa.string()),
            "series_ticker": pa.array([series], pa.string()),
            "mutually_exclusive": pa.array([True], pa.bool_()),
        },
    )
    return markets, events


def _market_rows(
    event: str, brackets: Sequence[Bracket], high: Decimal | None, day_end: datetime
) -> pa.Table:
    """The event's bracket markets: closed a minute before the climate day ends, finalized
    (with each bracket's result) when the day's high is known."""
    close = day_end - timedelta(seconds=60)
    settled = high is not None
    results = [("yes" if b.pays(high) else "no") if high is not None else None for b in brackets]
    n = len(brackets)
    settlement = day_end + SETTLEMENT_LAG if settled else None
    return _arrow(
        "markets",
        {
            "ticker": pa.array([b.ticker for b in brackets], pa.string()),
            "event_ticker": pa.array([event] * n, pa.string()),
            "market_type": pa.array(["binary"] * n, pa.string()),
            "status": pa.array(["finalized" if settled else "closed"] * n, pa.string()),
            "strike_type": pa.array([b.strike_type for b in brackets], pa.string()),
            "floor_strike": pa.array([_text(b.low) for b in brackets], pa.string()),
            "cap_strike": pa.array([_text(b.high) for b in brackets], pa.string()),
            "close_time": pa.array([close] * n, pa.timestamp("us", tz="UTC")),
            "result": pa.array(results, pa.string()),
            "settlement_ts": pa.array([settlement] * n, pa.timestamp("us", tz="UTC")),
        },
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def import_quotes(
    store: Store, files: Sequence[Path], zone: str, highs_path: Path | None
) -> list[str]:
    """Import logs (all-or-nothing per file); returns one summary line per file."""
    highs = read_highs(highs_path) if highs_path else {}
    lines = []
    for path in files:
        log = read_log(path, zone)
        tickers = log["market_ticker"].unique().sort().to_list()
        events = sorted({t.rsplit("-", 1)[0] for t in tickers})
        prepared = []
        for event in events:
            mine = [t for t in tickers if t.startswith(event + "-")]
            day = event_date(event)
            high = highs.get(day) if day else None
            prepared.append((event, _event_rows(event, brackets_of(mine), high), high))
        snaps = snapshots_table(log)
        for event, (markets, event_rows), high in prepared:
            store.write_arrow("events", event_rows)
            store.write_arrow("markets", markets)
            if high is not None:
                _write_high(store, event, high, path)
        store.write_arrow("market_snapshots", snaps)
        settled = sum(1 for *_, h in prepared if h is not None)
        lines.append(
            f"{path.name}: {snaps.num_rows:,} snapshots, {len(events)} event(s), {settled} settled"
        )
    return lines


def _write_high(store: Store, event: str, high: Decimal, path: Path) -> None:
    station = station_for(event.split("-", 1)[0])
    day = event_date(event)
    assert station is not None and day is not None
    rows = _arrow(
        "daily_climate",
        {
            "station": pa.array([station.icao], pa.string()),
            "climate_date": pa.array([day], pa.date32()),
            "source": pa.array(["cli"], pa.string()),
            "max_temp_f": pa.array([str(high)], pa.string()),
            "is_final": pa.array([True], pa.bool_()),
            "raw_text": pa.array([f"official daily high imported from {path.name}"], pa.string()),
        },
    )
    store.write_arrow("daily_climate", rows)
