"""Every fill of a backtest as a file a user can audit (`ktape backtest --fills FILE`,
`ktape paper report --fills FILE`): CSV or Parquet, chosen by the file's extension.

One row per fill: order id, decision and arrival time, market, side, action, count, price,
liquidity, fee, and for a maker fill the public trade (`trade_id`) or bar (`bar:<end ts>`)
that filled it. Money and counts stay exact (text in CSV, decimal128 in Parquet).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from kalshi_tape.backtest.run.results import BacktestResult
from kalshi_tape.backtest.strategies.protocol import Fill
from kalshi_tape.cli.outputs import check_output_file
from kalshi_tape.core.errors import ConfigError

FORMATS = (".csv", ".parquet")
COLUMNS = ("order_id", "decided_at", "arrived_at", "filled_at", "event_ticker", "market_ticker",
           "side", "action", "count", "price", "liquidity", "fee", "filled_by", "tag")  # fmt: skip
EXACT = pa.decimal128(18, 4)


def check_fills_path(path: Path, option: str = "--fills") -> None:
    """Refuse an unknown extension or an unwritable path before any work is done."""
    if path.suffix.lower() not in FORMATS:
        raise ConfigError(option, f"{path}: the extension must be .csv or .parquet")
    check_output_file(path, option)


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def fill_rows(fills: Iterable[Fill]) -> list[dict[str, object]]:
    return [
        {"order_id": f.order_id, "decided_at": _utc(f.decided_ts), "arrived_at": _utc(f.arrived_ts),
         "filled_at": _utc(f.ts), "event_ticker": f.event_ticker, "market_ticker": f.ticker,
         "side": f.side, "action": f.action, "count": Decimal(f.count), "price": Decimal(f.price),
         "liquidity": f.liquidity, "fee": f.fee, "filled_by": f.filled_by, "tag": f.tag}
        for f in fills
    ]  # fmt: skip


def write_fills(path: Path, result: BacktestResult) -> int:
    """Write every fill of `result` to `path` (CSV or Parquet); returns the row count."""
    rows = fill_rows(f for e in result.events for f in e.result.fills)
    if path.suffix.lower() == ".parquet":
        _parquet(path, rows)
    else:
        _csv(path, rows)
    return len(rows)


def _csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: v.isoformat() if isinstance(v, datetime) else v
                             for k, v in row.items()})  # fmt: skip


def _parquet(path: Path, rows: list[dict[str, object]]) -> None:
    stamp = pa.timestamp("s", tz="UTC")
    types = {"decided_at": stamp, "arrived_at": stamp, "filled_at": stamp, "count": EXACT,
             "price": EXACT, "fee": EXACT}  # fmt: skip
    schema = pa.schema([(name, types.get(name, pa.string())) for name in COLUMNS])
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, path)
