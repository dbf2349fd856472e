"""The Store contract: the same tests on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import msgspec
import pyarrow as pa
import pytest

from kalshi_tape.core.clock import ManualClock
from kalshi_tape.core.domain import TradeUpdate
from kalshi_tape.core.errors import StorageError
from kalshi_tape.core.money import Count
from kalshi_tape.storage import BackfillProgress, Store, schema
from kalshi_tape.storage.migrations import LATEST_VERSION, MIGRATIONS
from kalshi_tape.storage.records import trade_from_update
from tests.storage import samples


def snapshot(store: Store) -> dict[str, pa.Table]:
    return {t.name: store.read_table(t.name) for t in schema.TABLES}


def test_migrate_is_idempotent_and_recorded(store: Store) -> None:
    assert store.migrate() == []
    assert store.info().schema_version == LATEST_VERSION
    rows = store.sql("SELECT version, name FROM ktape_migrations ORDER BY version")
    assert rows == [(m.version, m.name) for m in MIGRATIONS]


def test_tables_match_schema_py(store: Store) -> None:
    for table in schema.TABLES:
        rows = store.sql(
            "SELECT column_name, numeric_precision, numeric_scale FROM information_schema.columns "
            f"WHERE table_name = {store.placeholder} ORDER BY ordinal_position",
            (table.name,),
        )
        assert [r[0] for r in rows] == list(table.column_names), table.name
        for (_name, precision, scale), column in zip(rows, table.columns, strict=True):
            if column.arrow_type.id == pa.decimal128(1, 0).id:
                assert (precision, scale) == (column.arrow_type.precision, column.arrow_type.scale)
            assert "float" not in str(column.arrow_type) and "double" not in str(column.arrow_type)


def test_every_table_reads_back_what_was_written(store: Store) -> None:
    rows = store.commit_chunk(**samples.everything())
    tables = snapshot(store)
    assert rows == sum(t.num_rows for name, t in tables.items() if name != "backfill_progress")
    # Tables without a commit_chunk argument are written with write_arrow by their owners.
    by_chunk = {n for n in tables if n not in ("api_keys", *(t.name for t in schema.PAPER_TABLES))}
    assert all(tables[name].num_rows for name in by_chunk)
    for table in schema.TABLES:
        assert tables[table.name].schema == table.arrow_schema, table.name


def test_prices_and_counts_are_exact(store: Store) -> None:
    store.commit_chunk(
        markets=[samples.market(samples.MARKETS[0], yes_bid="0.123456", volume="531.10")],
        trades=[samples.trade(1, count="0.01"), samples.trade(2, count="99999999.99")],
        candles=[samples.candle(samples.MARKETS[0], 0, bid="0.000001")],
    )
    market = store.read_table("markets").to_pylist()[0]
    assert market["yes_bid"] == Decimal("0.123456") and market["volume"] == Decimal("531.10")
    assert str(market["volume"]) == "531.10"
    assert market["subtitle"] == "" and market["cap_strike"] is None
    assert market["raw_json"] == samples.market(samples.MARKETS[0]).raw.decode()
    counts = store.trades().column("count").to_pylist()
    assert counts == [Decimal("0.01"), Decimal("99999999.99")]
    candle = store.candles().to_pylist()[0]
    assert candle["yes_bid_open"] == Decimal("0.000001")
    assert candle["price_mean"] == Decimal("0.122222") and candle["yes_ask_open"] is None


def test_rewriting_identical_rows_changes_nothing(store: Store, clock: ManualClock) -> None:
    store.commit_chunk(**samples.everything())
    before = snapshot(store)
    clock.advance(3600)
    store.commit_chunk(**samples.everything())
    assert snapshot(store) == before


def test_a_changed_row_is_updated_and_restamped(store: Store, clock: ManualClock) -> None:
    tickers = samples.MARKETS
    store.commit_chunk(markets=[samples.market(t) for t in tickers])
    first = {r["ticker"]: r for r in store.read_table("markets").to_pylist()}
    clock.advance(60)
    store.commit_chunk(markets=[samples.changed_market(tickers[0]), samples.market(tickers[1])])
    after = {r["ticker"]: r for r in store.read_table("markets").to_pylist()}
    assert after[tickers[0]]["yes_bid"] == Decimal("0.1235")
    assert after[tickers[0]]["ingested_at"] == first[tickers[0]]["ingested_at"] + timedelta(
        seconds=60
    )
    assert after[tickers[1]] == first[tickers[1]]
    assert after[tickers[2]] == first[tickers[2]]


def test_duplicate_keys_in_one_batch_keep_the_last(store: Store) -> None:
    store.commit_chunk(
        markets=[samples.market(samples.MARKETS[0]), samples.changed_market(samples.MARKETS[0])]
    )
    assert store.read_table("markets").column("yes_bid").to_pylist() == [Decimal("0.1235")]


def test_commit_chunk_refuses_an_unknown_table_and_writes_nothing(store: Store) -> None:
    rows: dict[str, Any] = {"markets": [samples.market(samples.MARKETS[0])]}
    for unknown in ("api_keys", "market"):  # a table it does not take, a typo
        with pytest.raises(TypeError, match=unknown):
            store.commit_chunk(**rows, **{unknown: [object()]})
    assert store.count("markets") == 0


def test_commit_chunk_is_one_transaction(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    original = store._merge  # type: ignore[attr-defined]

    def merge_then_fail_on_checkpoint(table: schema.Table, data: pa.Table) -> None:
        if table.name == "backfill_progress":
            raise RuntimeError("injected failure after the rows were written")
        original(table, data)

    monkeypatch.setattr(store, "_merge", merge_then_fail_on_checkpoint)
    with pytest.raises(RuntimeError, match="injected"):
        store.commit_chunk(**samples.everything())
    monkeypatch.undo()
    assert {t.name: store.count(t.name) for t in schema.TABLES} == dict.fromkeys(
        (t.name for t in schema.TABLES), 0
    )
    store.commit_chunk(**samples.everything())
    assert store.count("candles") == 13


def test_finished_tasks_and_progress(store: Store) -> None:
    store.commit_chunk(progress=BackfillProgress("candles/A/1", "candles", 10, 1))
    store.commit_chunk(
        progress=BackfillProgress("candles/B/1", "candles", 0, 1, "cursor=x", done=False)
    )
    store.commit_chunk(progress=BackfillProgress("trades/A", "trades", 5, 2))
    store.commit_chunk(progress=BackfillProgress("candles%/_", "candles", 1, 1))
    assert store.finished_tasks("candles/") == {"candles/A/1"}
    assert store.finished_tasks("") == {"candles/A/1", "trades/A", "candles%/_"}
    assert store.finished_tasks("candles%") == {"candles%/_"}
    assert store.progress("candles/B/1") == BackfillProgress(
        "candles/B/1", "candles", 0, 1, "cursor=x", False
    )
    assert store.progress("nope") is None


def test_candle_reads_by_market_event_and_time(store: Store) -> None:
    kwargs: dict[str, Any] = samples.everything()
    store.commit_chunk(**kwargs)
    t0 = samples.T0
    one = store.candles(market_ticker=samples.MARKETS[1])
    assert one.num_rows == 4 and set(one.column("market_ticker").to_pylist()) == {
        samples.MARKETS[1]
    }
    event = store.candles(event_ticker=samples.EVENT, source="kalshi")
    assert event.num_rows == 12
    window = store.candles(
        event_ticker=samples.EVENT, start=t0 + timedelta(minutes=2), end=t0 + timedelta(minutes=3)
    )
    assert (
        sorted(window.column("end_period_ts").to_pylist())
        == [t0 + timedelta(minutes=2)] * 3 + [t0 + timedelta(minutes=3)] * 3
    )
    assert store.candles(event_ticker="KXHIGHNY-99JAN01").num_rows == 0
    assert store.candles(source="trades").num_rows == 1


def test_trade_and_snapshot_reads(store: Store) -> None:
    store.commit_chunk(**samples.everything())
    t0 = samples.T0
    trades = store.trades(
        market_ticker=samples.MARKETS[0],
        start=t0 + timedelta(seconds=2),
        end=t0 + timedelta(seconds=5),
    )
    assert trades.column("trade_id").to_pylist() == ["tr-000002", "tr-000003", "tr-000004"]
    snaps = store.market_snapshots(market_ticker=samples.MARKETS[0])
    assert snaps.column("trigger").to_pylist() == ["delta"]
    assert store.market_snapshots(start_ns=samples.T0_NS + 6).num_rows == 1


def test_book_inputs(store: Store) -> None:
    store.commit_chunk(**samples.everything())
    later = samples.book_snapshot(samples.MARKETS[0], samples.T0_NS + 6_500, seq=8)
    store.commit_chunk(orderbook_snapshots=[later])
    inputs = store.book_inputs(samples.MARKETS[0], samples.T0_NS + 10, samples.T0_NS + 6_000)
    assert set(inputs.snapshots.column("received_ns").to_pylist()) == {samples.T0_NS}
    assert inputs.snapshots.num_rows == 3
    assert inputs.deltas.column("seq").to_pylist() == [2, 3, 4, 5, 6]
    assert inputs.deltas.column("delta").to_pylist()[:2] == [Decimal("7.75"), Decimal("-0.25")]
    assert sorted(inputs.gaps.column("kind").to_pylist()) == ["gap", "reconnect", "resync"]
    full = store.book_inputs(samples.MARKETS[0], samples.T0_NS + 7_000, samples.T0_NS + 8_000)
    assert set(full.snapshots.column("received_ns").to_pylist()) == {samples.T0_NS + 6_500}
    assert full.deltas.column("seq").to_pylist() == [7]


def test_write_arrow_bulk_path(store: Store, clock: ManualClock) -> None:
    from kalshi_tape.storage import arrowconv

    data = arrowconv.candles_table(
        [samples.candle(t, m) for t in samples.MARKETS for m in range(50)]
    )
    assert store.write_arrow("candles", data) == 150
    first = store.read_table("candles")
    clock.advance(5)
    assert store.write_arrow("candles", data) == 150
    assert store.read_table("candles") == first
    assert store.write_arrow("candles", data.slice(0, 0)) == 0


def test_write_arrow_refuses_lossy_or_incomplete_data(store: Store) -> None:
    from kalshi_tape.storage import arrowconv

    data = arrowconv.trades_table([samples.trade(1)])
    too_fine = pa.array([Decimal("0.1234567")], type=pa.decimal128(12, 7))
    with pytest.raises(StorageError):
        store.write_arrow("trades", data.set_column(3, "yes_price", too_fine))
    as_float = pa.array([0.1 + 0.2], type=pa.float64())  # would round to 0.300000
    with pytest.raises(StorageError, match="would be rounded"):
        store.write_arrow("trades", data.set_column(3, "yes_price", as_float))
    with pytest.raises(StorageError, match="missing"):
        store.write_arrow("trades", data.drop_columns(["count"]))
    with pytest.raises(KeyError):
        store.write_arrow("no_such_table", data)
    assert store.count("trades") == 0


def test_partial_overlap_merges(store: Store) -> None:
    """New keys at both ends, existing ones inside (PostgreSQL: direct COPY fails, merge)."""
    store.commit_chunk(trades=[samples.trade(i) for i in range(5, 10)])
    changed = msgspec.structs.replace(samples.trade(7), count=Count("3.00"))
    store.commit_chunk(trades=[changed if i == 7 else samples.trade(i) for i in range(15)])
    trades = store.trades()
    assert trades.num_rows == 15
    assert trades.column("count").to_pylist()[7] == Decimal("3.00")


def test_a_trade_from_rest_and_from_the_stream_is_one_row(store: Store) -> None:
    rest = samples.trade(1)
    update = TradeUpdate(
        sid=1,
        trade_id=rest.trade_id,
        market_ticker=rest.ticker,
        yes_price=rest.yes_price,
        no_price=rest.no_price,
        count=rest.count,
        taker_side=rest.taker_side,
        exchange_ts_ms=int(rest.created_time.timestamp()) * 1000 + 5,
        received_ns=samples.T0_NS,
    )
    streamed = trade_from_update(update)
    assert streamed.created_time == rest.created_time.replace(microsecond=5000)
    store.commit_chunk(trades=[rest])
    store.commit_chunk(trades=[streamed])
    assert store.trades().column("created_time").to_pylist() == [streamed.created_time]


def test_an_empty_book_snapshot_writes_nothing_and_fails_nothing(store: Store) -> None:
    empty = samples.OrderbookSnapshot(
        sid=3, seq=1, market_ticker=samples.MARKETS[0], yes=(), no=(), received_ns=samples.T0_NS
    )
    store.commit_chunk(orderbook_snapshots=[empty], trades=[samples.trade(1)])
    assert store.read_table("orderbook_snapshots").num_rows == 0
    assert store.trades().num_rows == 1
