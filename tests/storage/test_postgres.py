"""PostgreSQL specifics: concurrent writers, TimescaleDB absent, URL redaction."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from kalshi_tape.core.domain import Trade
from kalshi_tape.settings.redact import redact_url
from kalshi_tape.storage import BackfillProgress, open_store, timescale
from kalshi_tape.storage.postgres_store import PostgresStore
from tests.storage import samples

pytestmark = pytest.mark.postgres

ROUNDS = 20
PER_ROUND = 250


def _trades(writer: int, round_: int) -> list[Trade]:
    """Each writer owns its trades; every round also rewrites a block shared by both."""
    own = [samples.trade(writer * 1_000_000 + round_ * PER_ROUND + i) for i in range(PER_ROUND)]
    shared = [samples.trade(900_000_000 + i) for i in range(50)]
    return own + shared


@pytest.fixture
def pg_store(pg_url: str) -> PostgresStore:
    store = open_store(pg_url)
    assert isinstance(store, PostgresStore)
    store.sql("TRUNCATE trades, backfill_progress")
    return store


def test_two_writers_and_a_reader_lose_nothing(pg_url: str, pg_store: PostgresStore) -> None:
    errors: list[BaseException] = []
    seen_counts: list[int] = []
    done = threading.Event()

    def write(writer: int) -> None:
        try:
            with open_store(pg_url) as store:
                for r in range(ROUNDS):
                    store.commit_chunk(
                        trades=_trades(writer, r),
                        progress=BackfillProgress(f"w{writer}/{r}", "trades", PER_ROUND, 1),
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def read() -> None:
        with open_store(pg_url) as store:
            while not done.is_set():
                seen_counts.append(store.trades(start=samples.T0 - timedelta(days=1)).num_rows)

    writers = [threading.Thread(target=write, args=(w,)) for w in (1, 2)]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join()

    assert errors == []
    assert pg_store.count("trades") == 2 * ROUNDS * PER_ROUND + 50
    assert len(pg_store.finished_tasks("w")) == 2 * ROUNDS
    assert seen_counts == sorted(seen_counts), "a reader saw rows disappear"
    assert all(n % PER_ROUND in (0, 50) for n in seen_counts), "a reader saw half a chunk"


def test_without_timescaledb_tables_stay_plain(pg_store: PostgresStore) -> None:
    info = pg_store.info()
    assert (info.timescaledb, info.hypertables) == (False, ())
    with pg_store._con.transaction():
        assert timescale.ensure_hypertables(pg_store._con) == []
        # probing for the extension leaves the surrounding transaction usable
        assert pg_store._con.execute("SELECT 1").fetchone() == (1,)


def test_redact_hides_the_password() -> None:
    assert redact_url("postgresql://u:secret@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert redact_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_concurrent_first_migrations_do_not_collide(pg_url: str) -> None:
    """Several processes opening a brand-new database at once (advisory lock)."""
    import psycopg

    from kalshi_tape.storage.migrations import MIGRATIONS
    from tests.storage.conftest import ADMIN_URL

    name = "ktape_test_migrate_race"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
        try:
            url = pg_url.rsplit("/", 1)[0] + f"/{name}"
            errors: list[BaseException] = []

            def open_and_close() -> None:
                try:
                    open_store(url).close()
                except BaseException as exc:  # pragma: no cover - reported below
                    errors.append(exc)

            threads = [threading.Thread(target=open_and_close) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert errors == []
            with open_store(url) as store:
                migrated = store.sql("SELECT count(*) FROM ktape_migrations")
                assert migrated == [(len(MIGRATIONS),)]
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
