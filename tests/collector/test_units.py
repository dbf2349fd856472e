"""Unit tests: the spike rule on a scripted price path, interval overrides, config errors,
lifecycle add/remove, candles, and the shared snapshot timestamp."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest

from kalshi_tape.client.stream import OrderBook
from kalshi_tape.collector.candles import CandleBuilder
from kalshi_tape.collector.recorder import TickerState
from kalshi_tape.collector.schedule import IntervalPlan, Quote, SnapshotPlanner, SpikeRule
from kalshi_tape.collector.snapshots import add_book_snapshots
from kalshi_tape.collector.tracking import Tracker
from kalshi_tape.collector.writer import Rows
from kalshi_tape.core.domain import MarketLifecycle
from kalshi_tape.core.errors import ConfigError
from kalshi_tape.core.money import Count, Price
from kalshi_tape.settings.collector import IntervalOverride
from kalshi_tape.settings.entry import load_collector_config

NS = 1_000_000_000
T0 = 1_795_000_000 * NS
M = "KXHIGHNY-26NOV22-B50.5"


def q(bid: str, ask: str = "0.6000", last: str | None = None) -> Quote:
    return Quote(Price(bid), Price(ask), Price(last) if last else None)


def planner(threshold: str = "0.03", cooldown: float = 2.0) -> SnapshotPlanner:
    return SnapshotPlanner(IntervalPlan(60.0), SpikeRule(Decimal(threshold), cooldown))


def step(p: SnapshotPlanner, now: int, quote: Quote) -> tuple[list[str], list[str]]:
    p.touch(M)
    quotes = {M: quote}
    due = p.due(now, quotes)
    p.taken(now, *due, quotes)
    return due


def test_spike_rule_on_a_scripted_price_path() -> None:
    p = planner()
    assert step(p, T0, q("0.4000")) == ([M], [])  # first periodic snapshot: the reference
    assert step(p, T0 + NS // 10, q("0.4200")) == ([], [])  # 2 cents: below threshold
    assert step(p, T0 + NS // 5, q("0.4300")) == ([], [M])  # 3 cents since the snapshot
    # cooldown: a further 3-cent move right after is held back, not lost...
    assert step(p, T0 + NS // 2, q("0.4600")) == ([], [])
    assert M in p.pending
    assert step(p, T0 + NS, q("0.4700")) == ([], [])
    # ...and taken once the cooldown ends, against the last snapshot (0.43 -> 0.47)
    assert step(p, T0 + NS // 5 + 2 * NS, q("0.4700")) == ([], [M])


def test_moves_accumulating_during_cooldown_are_caught() -> None:
    p = planner()
    step(p, T0, q("0.4000"))
    assert step(p, T0 + NS, q("0.4000", last="0.4000")) == ([], [M])  # last price appears
    for i, bid in enumerate(("0.4100", "0.4200", "0.4300")):  # 1 cent at a time, cooling
        assert step(p, T0 + NS + (i + 1) * NS // 4, q(bid, last="0.4000")) == ([], [])
    assert step(p, T0 + 3 * NS + 1, q("0.4300", last="0.4000")) == ([], [M])


def test_a_move_that_reverts_during_cooldown_is_dropped() -> None:
    p = planner()
    step(p, T0, q("0.4000"))
    assert step(p, T0 + NS, q("0.4500")) == ([], [M])
    assert step(p, T0 + NS + NS // 2, q("0.4900")) == ([], [])
    assert step(p, T0 + 2 * NS, q("0.4500")) == ([], [])
    assert M not in p.pending
    assert step(p, T0 + 4 * NS, q("0.4500")) == ([], [])


def test_threshold_zero_disables_spikes() -> None:
    p = planner("0")
    step(p, T0, q("0.4000"))
    assert step(p, T0 + NS, q("0.9000")) == ([], [])


def test_periodic_interval_and_local_overrides() -> None:
    # 14:00-16:00 New York time every 5 s, else every 60 s
    plan = IntervalPlan(60.0, [IntervalOverride(time(14), time(16), 5.0)])
    ny_3pm = int(datetime(2026, 11, 22, 20, 0, tzinfo=UTC).timestamp()) * NS
    assert plan.interval_s(M, ny_3pm) == 5.0
    assert plan.interval_s(M, ny_3pm + 2 * 3600 * NS) == 60.0
    wrap = IntervalOverride(time(22), time(6), 300.0)
    assert wrap.covers(time(23, 30)) and wrap.covers(time(5)) and not wrap.covers(time(12))


def test_periodic_snapshots_share_one_timestamp_across_tables() -> None:
    books = {
        t: OrderBook.from_levels(
            t, [(Price("0.4000"), Count("10"))], [(Price("0.5500"), Count("3"))]
        )
        for t in (M, "KXHIGHNY-26NOV22-B52.5", "KXHIGHCHI-26NOV22-T42")
    }
    p = planner()
    quotes = {t: Quote(b.best_yes_bid, b.best_yes_ask, None) for t, b in books.items()}
    periodic, spikes = p.due(T0, quotes)
    assert sorted(periodic) == sorted(books) and spikes == []
    rows = Rows()
    state = {M: TickerState(last_price=Price("0.4100"), volume=Count("5"))}
    n = add_book_snapshots(
        rows,
        received_ns=T0,
        trigger="interval",
        books=books,
        tickers=periodic,
        state=state,
        sid=3,
        seq=99,
    )
    assert n == 3
    assert {r.received_ns for r in rows.market_snapshots} == {T0}
    assert {s.received_ns for s in rows.orderbook_snapshots} == {T0}
    assert {r.trigger for r in rows.market_snapshots} == {"interval"}
    mine = next(r for r in rows.market_snapshots if r.market_ticker == M)
    assert (mine.yes_bid, mine.yes_ask, mine.last_price) == (
        Price("0.40"),
        Price("0.45"),
        Price("0.41"),
    )
    tables = rows.tables()
    assert tables["orderbook_snapshots"].num_rows == 6
    assert set(tables["market_snapshots"].column("received_ns").to_pylist()) == {T0}


EVENT = "collector:\n  events: [KXHIGHNY-26NOV22]\n"


@pytest.mark.parametrize(
    ("yaml_text", "key"),
    [
        (EVENT + "  interval_seconds: -1\n", "collector.interval_seconds"),
        (EVENT + "  spike_threshold_cents: lots\n", "collector.spike_threshold_cents"),
        (EVENT + "  intervall_seconds: 5\n", "collector.intervall_seconds"),
        (EVENT + "  flush_max_rows: 0\n", "collector.flush_max_rows"),
        (
            EVENT + "  interval_overrides: [{from: '25:00', to: '06:00', interval_seconds: 5}]\n",
            "collector.interval_overrides",
        ),
        ("collector: {events: [bad ticker!]}\n", "collector.events"),
        ("collector: {series: []}\n", "collector.events"),
        (EVENT + "tier: gold\n", "tier"),
        (EVENT + "  shard: 3/2\n", "collector.shard"),
        ("collector: {evnts: [KXHIGHNY-26NOV22]}\n", "collector.evnts"),
        ("evnts: [KXHIGHNY-26NOV22]\n", "evnts"),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, yaml_text: str, key: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError) as info:
        load_collector_config(path, env={})
    assert info.value.key == key
    assert str(path) in str(info.value) or key == "collector.events"


@pytest.mark.parametrize(
    ("old", "hint"),
    [
        ("kalshi: {tier: basic}", "top level"),
        ("collection: {interval_seconds: 5}", "collector:"),
        ("storage: {db: 'duckdb:///a.duckdb'}", "db_url"),
        ("metrics: {port: 9108}", "collector.metrics_port"),
        ("events: [KXHIGHNY-26NOV22]", "collector.events"),
    ],
)
def test_the_former_file_layout_says_where_each_key_went(
    tmp_path: Path, old: str, hint: str
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(EVENT + old + "\n")
    with pytest.raises(ConfigError, match="moved") as info:
        load_collector_config(path, env={})
    assert hint in str(info.value) and str(path) in str(info.value)


def test_config_layers(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "environment: demo\ndb_url: 'duckdb:///a.duckdb'\n"
        "collector: {series: [kxhighny], spool_dir: /tmp/s, spike_threshold_cents: 0}\n"
    )
    config = load_collector_config(
        path, env={"KTAPE_DB": "duckdb:///b.duckdb"}, flags={"series": ("KXHIGHCHI",)}
    )
    assert config.series == ("KXHIGHCHI",)
    assert config.db == "duckdb:///b.duckdb"  # environment beats the file
    assert "demo" in config.settings.base_url
    assert config.spike_threshold == 0 and config.spool_dir == Path("/tmp/s")


def test_interval_windows_from_the_environment(tmp_path: Path) -> None:
    env = {"KTAPE_COLLECTOR_INTERVAL_OVERRIDES": "09:00-18:00=15, 22:00-06:00=120"}
    config = load_collector_config(flags={"series": ("KXHIGHNY",)}, env=env)
    assert [(str(w.start), str(w.end), w.interval_seconds) for w in config.interval_overrides] == [
        ("09:00:00", "18:00:00", 15.0),
        ("22:00:00", "06:00:00", 120.0),
    ]


def test_config_error_exits_2(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kalshi_tape.cli.main import main

    path = tmp_path / "c.yaml"
    path.write_text(EVENT + "  spike_cooldown_seconds: -2\n")
    result = CliRunner().invoke(main, ["collect", "--config", str(path)])
    assert result.exit_code == 2
    assert "collector.spike_cooldown_seconds" in result.output


class _Client:
    """Stands in for the REST client's get_market in lifecycle tests (a plain lookup)."""

    def __init__(self, markets: dict[str, object]) -> None:
        self.markets = markets

    async def get_market(self, ticker: str) -> object:
        return self.markets[ticker]


def _market(ticker: str, status: str = "active"):  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    return SimpleNamespace(ticker=ticker, event_ticker=ticker.rsplit("-", 1)[0], status=status)


async def test_lifecycle_adds_and_removes_markets() -> None:
    tracker = Tracker(series=("KXHIGHNY",))
    tracker.update([_market(M)])  # type: ignore[list-item]
    new = "KXHIGHNY-26NOV23-B40.5"
    other = "KXHIGHMIA-26NOV23-B80.5"
    client = _Client({new: _market(new), other: _market(other)})
    created = MarketLifecycle(sid=1, market_ticker=new, event_type="created")
    added, removed, _ = await tracker.on_lifecycle(created, client)  # type: ignore[arg-type]
    assert added == {new} and removed == set() and new in tracker.tickers
    ignored = MarketLifecycle(sid=1, market_ticker=other, event_type="created")
    assert (await tracker.on_lifecycle(ignored, client))[0] == set()  # type: ignore[arg-type]
    settled = MarketLifecycle(sid=1, market_ticker=M, event_type="settled")
    added, removed, _ = await tracker.on_lifecycle(settled, client)  # type: ignore[arg-type]
    assert removed == {M} and tracker.tickers == {new}


def test_shards_split_events_without_overlap() -> None:
    from kalshi_tape.settings.collector import Shard

    markets = [_market(f"KXHIGHNY-26NOV{d:02d}-B50.5") for d in range(1, 29)]
    shards = [Tracker(series=("KXHIGHNY",), shard=Shard(i, 3)) for i in range(3)]
    for tracker in shards:
        tracker.update(markets)  # type: ignore[arg-type]
    sets = [t.tickers for t in shards]
    assert set().union(*sets) == {m.ticker for m in markets}
    assert sum(len(s) for s in sets) == len(markets) and all(sets)


def test_candles_follow_kalshi_conventions() -> None:
    b = CandleBuilder(grace_ms=0)
    t = 1_795_000_040_000  # 20 s into the minute (1_795_000_020, 1_795_000_080]
    b.quote(M, t, Price("0.40"), Price("0.45"))
    b.trade(M, t + 1000, Price("0.45"), Count("2"))
    b.trade(M, t + 2000, Price("0.43"), Count("1.5"))
    b.quote(M, t + 3000, Price("0.42"), Price("0.44"))
    b.open_interest(M, Count("10"))
    assert b.close_until(t) == []
    (rec,) = b.close_until(t + 60_000)
    c = rec.candle
    assert rec.source == "collector" and rec.period_minutes == 1
    assert c.end_period_ts == 1_795_000_080
    bid = c.yes_bid
    assert bid is not None  # opens at the quote in force at the start (none: 0)
    assert (bid.open, bid.high, bid.low, bid.close) == (
        Price("0"),
        Price("0.42"),
        Price("0"),
        Price("0.42"),
    )
    assert (c.price.open, c.price.close, c.price.high, c.price.low) == (
        Price("0.45"),
        Price("0.43"),
        Price("0.45"),
        Price("0.43"),
    )
    assert c.volume == Count("3.5") and c.open_interest == Count("10")
    assert c.price.mean == Price("0.441429")
    b.trade(M, t + 70_000, Price("0.50"), Count("1"))
    (nxt,) = b.close_until(t + 200_000)
    assert nxt.candle.price.previous == Price("0.43")
    assert nxt.candle.yes_bid.open == Price("0.42")  # type: ignore[union-attr]


def test_the_shipped_example_config_loads() -> None:
    example = Path(__file__).parents[2] / "config.example.yaml"
    config = load_collector_config(example, env={})
    assert config.events and config.series and config.interval_overrides
    assert config.metrics_port == 9108 and config.spike_threshold == Decimal("0.03")


def test_a_late_trade_corrects_its_closed_candle() -> None:
    b = CandleBuilder(grace_ms=0)
    t = 1_795_000_040_000
    b.trade(M, t, Price("0.45"), Count("2"))
    (first,) = b.close_until(t + 60_000)
    assert first.candle.volume == Count("2")
    b.trade(M, t + 61_000, Price("0.47"), Count("1"))  # opens the next minute
    b.trade(M, t - 10_000, Price("0.44"), Count("3"))  # a sweep found it late
    (fixed,) = b.close_until(t + 60_000)
    assert fixed.candle.end_period_ts == first.candle.end_period_ts
    assert fixed.candle.volume == Count("5")
    assert (fixed.candle.price.open, fixed.candle.price.close) == (Price("0.44"), Price("0.45"))
