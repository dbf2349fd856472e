"""Suite-wide rule: tests write only to temporary folders. The checkout's
`git status --porcelain --ignored` is taken before and after the session; a path that
appears (a `kalshi-tape.duckdb` left by a command run on the default warehouse, say)
fails the run and is named. Virtual environments, caches and `.hypothesis` are aside."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ASIDE = (".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis")
_BEFORE = pytest.StashKey[frozenset[str]]()


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
