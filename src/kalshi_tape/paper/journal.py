"""The paper journal: sessions, orders and fills as warehouse rows (both clocks)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from kalshi_tape.paper.engine import FillEntry, OrderEntry
from kalshi_tape.storage import Store, schema


@dataclass(slots=True)
class SessionRow:
    session_id: str
    strategy: str
    params: Mapping[str, str]
    series_ticker: str
    base_url: str
    started_ns: int
    event_tickers: list[str] = field(default_factory=list)
    ended_ns: int | None = None
    tape_from_ns: int | None = None
    tape_to_ns: int | None = None
    trades_from_ms: int | None = None
    trades_to_ms: int | None = None
    bars: int = 0
    first_bar_ts: int | None = None
    last_bar_ts: int | None = None
    fills: int = 0
    fees: Decimal = Decimal(0)
    cash: Decimal = Decimal(0)
    pnl: Decimal | None = None
    settled: bool | None = None


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _table(spec: schema.Table, rows: Sequence[dict[str, Any]]) -> pa.Table:
    names = [c.name for c in spec.columns if c.name != schema.INGESTED_AT]
    arrays = {n: pa.array([r[n] for r in rows], type=spec.column(n).arrow_type) for n in names}
    return pa.table(arrays)


def write_session(store: Store, row: SessionRow) -> None:
    values = {
        "session_id": row.session_id,
        "strategy": row.strategy,
        "params_json": json.dumps(dict(row.params), sort_keys=True),
        "series_ticker": row.series_ticker,
        "base_url": row.base_url,
        "event_tickers": ",".join(row.event_tickers),
        "started_ns": row.started_ns,
        "ended_ns": row.ended_ns,
        "tape_from_ns": row.tape_from_ns,
        "tape_to_ns": row.tape_to_ns,
        "trades_from_ms": row.trades_from_ms,
        "trades_to_ms": row.trades_to_ms,
        "bars": row.bars,
        "first_bar_ts": row.first_bar_ts,
        "last_bar_ts": row.last_bar_ts,
        "fills": row.fills,
        "fees": row.fees,
        "cash": row.cash,
        "pnl": row.pnl,
        "settled": row.settled,
    }
    store.write_arrow("paper_sessions", _table(schema.PAPER_SESSIONS, [values]))


def read_session(store: Store, session_id: str | None) -> SessionRow | None:
    """A session by id, or the latest one when `session_id` is None."""
    table = store.read_table("paper_sessions").to_pylist()
    if session_id is not None:
        table = [r for r in table if r["session_id"] == session_id]
    if not table:
        return None
    r = max(table, key=lambda r: r["started_ns"] or 0)
    return SessionRow(
        r["session_id"], r["strategy"], json.loads(r["params_json"] or "{}"),
        r["series_ticker"], r["base_url"], r["started_ns"],
        [e for e in (r["event_tickers"] or "").split(",") if e], r["ended_ns"], r["tape_from_ns"],
        r["tape_to_ns"], r["trades_from_ms"], r["trades_to_ms"], r["bars"] or 0,
        r["first_bar_ts"], r["last_bar_ts"], r["fills"] or 0, r["fees"] or Decimal(0),
        r["cash"] or Decimal(0), r["pnl"], r["settled"],
    )  # fmt: skip


def write_entries(
    store: Store,
    session_id: str,
    orders: Sequence[OrderEntry],
    fills: Sequence[FillEntry],
    received_ns: Mapping[str, int],
) -> None:
    if orders:
        store.write_arrow("paper_orders", _table(schema.PAPER_ORDERS, [
            _order_row(session_id, o, received_ns.get(o.order_id)) for o in orders
        ]))  # fmt: skip
    if fills:
        store.write_arrow("paper_fills", _table(schema.PAPER_FILLS, [
            _fill_row(session_id, f, received_ns.get(f"{f.order_id}/{f.n}")) for f in fills
        ]))  # fmt: skip


def _order_row(session_id: str, entry: OrderEntry, received_ns: int | None) -> dict[str, Any]:
    order = entry.order
    return {
        "session_id": session_id,
        "order_id": entry.order_id,
        "decided_ts": _utc(entry.bar_ts),
        "received_ns": received_ns,
        "event_ticker": entry.event_ticker,
        "market_ticker": order.ticker,
        "side": order.side,
        "action": order.action,
        "count": Decimal(order.count),
        "liquidity": order.liquidity,
        "limit_price": None if order.limit is None else Decimal(order.limit),
        "ttl_bars": order.ttl_bars if order.liquidity == "maker" else None,
        "queue_ahead": entry.queue_ahead,
        "status": entry.status,
        "filled_count": entry.filled,
        "tag": order.tag,
    }


def _fill_row(session_id: str, entry: FillEntry, received_ns: int | None) -> dict[str, Any]:
    fill = entry.fill
    return {
        "session_id": session_id,
        "fill_id": f"{entry.order_id}/{entry.n}",
        "order_id": entry.order_id,
        "exchange_ts": _utc(fill.ts),
        "received_ns": received_ns,
        "event_ticker": fill.event_ticker,
        "market_ticker": fill.ticker,
        "side": fill.side,
        "action": fill.action,
        "count": Decimal(fill.count),
        "price": Decimal(fill.price),
        "liquidity": fill.liquidity,
        "fee": fill.fee,
        "position_after": entry.position_after,
        "cash_after": entry.cash_after,
    }


def read_fills(store: Store, session_id: str) -> list[dict[str, Any]]:
    """The journaled fills of a session, in the order they happened (our clock)."""
    rows = [r for r in store.read_table("paper_fills").to_pylist() if r["session_id"] == session_id]
    return sorted(rows, key=lambda r: (r["received_ns"] or 0, r["fill_id"]))
