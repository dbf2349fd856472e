"""`make demo` installs only when `pyproject.toml` changed since the last install."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAMP = ".ktape-installed"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def planned(project: Path, target: str) -> str:
    """The commands `make -n TARGET` would run (nothing is run)."""
    result = subprocess.run(
        ["make", "-n", target, "VENV=venv"], cwd=project, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_a_fresh_checkout_installs_then_runs_the_demo(project: Path) -> None:
    commands = planned(project, "demo")
    assert "pip install" in commands and "ktape demo" in commands


def test_an_installed_venv_runs_the_demo_without_reinstalling(project: Path) -> None:
    (project / "venv").mkdir()
    (project / "venv" / STAMP).touch()
    os.utime(project / "pyproject.toml", (1_000_000_000, 1_000_000_000))
    commands = planned(project, "demo")
    assert "pip install" not in commands and "ktape demo" in commands
    assert "pip install" not in planned(project, "test")


def test_a_changed_pyproject_installs_again(project: Path) -> None:
    (project / "venv").mkdir()
    (project / "venv" / STAMP).touch()
    os.utime(project / "venv" / STAMP, (1_000_000_000, 1_000_000_000))
    commands = planned(project, "demo")
    assert "pip install" in commands and f"touch venv/{STAMP}" in commands
