"""Suite-wide rule: tests write only to temporary folders. The checkout's
`git status --porcelain --ignored` is taken before and after the session; a path that
appears (a `kalshi-tape.duckdb` left by a command run on the default warehouse, say)
fails the run and is named. Virtual environments, caches and `.hypothesis` are aside.

Also the one per-test PostgreSQL database (`pg_url`) for every test that needs one."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ASIDE = (".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis")
_BEFORE = pytest.StashKey[frozenset[str]]()
PG_ADMIN = os.environ.get("KTAPE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def with_database(url: str, name: str, port: int | None = None) -> str:
    """`url` naming database `name` (and, given `port`, that port on the same host)."""
    base, _, _ = url.rpartition("/")
    if port is not None:
        head, _, _ = base.rpartition(":")
        base = f"{head}:{port}"
    return f"{base}/{name}"


def through_port(url: str, port: int) -> str:
    """The same database reached through a proxy listening on `port`."""
    return with_database(url, url.rpartition("/")[2], port)


@pytest.fixture()
def pg_url() -> Iterator[str]:
    """The URL of a fresh, uniquely named PostgreSQL database, dropped afterwards.

    An unreachable server skips the test with the reason, except under CI=true, where
    the connection error fails it (.ci/run starts the server, so absence is a fault)."""
    import psycopg

    name = f"ktape_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN} ({exc}); .ci/run starts one")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(PG_ADMIN, name)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def checkout_paths() -> frozenset[str] | None:
    """Untracked and ignored paths of the checkout (None outside a git checkout)."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    paths = (line[3:] for line in out.splitlines() if line[:2] in ("??", "!!"))
    return frozenset(p for p in paths if not any(part in ASIDE for part in Path(p).parts))


def new_checkout_paths(before: frozenset[str], after: frozenset[str]) -> list[str]:
    return sorted(after - before)


def pytest_sessionstart(session: pytest.Session) -> None:
    before = checkout_paths()
    if before is not None:
        session.stash[_BEFORE] = before


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    before = session.stash.get(_BEFORE, None)
    after = checkout_paths()
    if before is None or after is None:
        return
    created = new_checkout_paths(before, after)
    if created:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "tests wrote into the checkout (use tmp_path): " + ", ".join(created)
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
