"""Your own strategy without editing the package: a file, a module or an entry point, in
`ktape backtest`, `--sweep` and `ktape paper` alike; every bad move names its file and line."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kalshi_tape.backtest.run.runner import BacktestConfig, run_backtest
from kalshi_tape.backtest.strategies.protocol import StrategyError
from kalshi_tape.backtest.strategies.shipped import create_strategy
from kalshi_tape.cli.main import main
from kalshi_tape.storage import open_store

START, END = date(2026, 11, 1), date(2026, 11, 6)

# The shipped `favourite`, rewritten against the public module only.
FAVOURITE = """
import math

from kalshi_tape.strategy import BarState, Count, Order


class MyFavourite:
    name = "my_favourite"

    def __init__(self, hour: str = "10", size: str = "10") -> None:
        self.hour, self.size, self.bought = float(hour), Count(size), set()

    def on_bar(self, state: BarState) -> list[Order]:
        if state.event_ticker in self.bought or state.hour < self.hour:
            return []
        p = state.pmf_market
        if not all(math.isfinite(x) for x in p):
            return []
        j = int(p.argmax())
        if not math.isfinite(state.yes_ask[j]):
            return []
        self.bought.add(state.event_ticker)
        return [Order(state.tickers[j], "yes", "buy", self.size, tag="fav")]
"""


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path


def fills_of(sim_db: str, strategy: str, params: dict[str, str]) -> list[tuple[object, ...]]:
    config = BacktestConfig("KXHIGHNY", START, END, strategy, params)
    with open_store(sim_db) as store:
        result = run_backtest(store, config)
    return [
        (f.ts, f.ticker, f.side, f.action, f.count, f.price, f.fee)
        for run in result.events
        for f in run.result.fills
    ]


def test_a_file_strategy_trades_like_the_shipped_one(sim_db: str, tmp_path: Path) -> None:
    path = write(tmp_path, "fav.py", FAVOURITE)
    mine = fills_of(sim_db, f"{path}:MyFavourite", {"size": "3"})
    shipped = fills_of(sim_db, "favourite", {"size": "3"})
    assert mine and mine == shipped


def test_a_module_and_an_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "mystrats"
    package.mkdir()
    write(package, "__init__.py", "")
    write(package, "fav.py", FAVOURITE)
    dist = tmp_path / "mystrats-0.1.dist-info"
    dist.mkdir()
    write(dist, "METADATA", "Metadata-Version: 2.1\nName: mystrats\nVersion: 0.1\n")
    write(dist, "entry_points.txt", "[kalshi_tape.strategies]\nfav = mystrats.fav:MyFavourite\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert create_strategy("mystrats.fav:MyFavourite", {"hour": "12"}).name == "my_favourite"
    assert create_strategy("fav", {}).name == "my_favourite"
    with pytest.raises(StrategyError, match=r"known: acceleration, fair_value, fav, favourite"):
        create_strategy("nope", {})


def test_backtest_and_sweep_from_the_cli(sim_db: str, tmp_path: Path) -> None:
    path = write(tmp_path, "fav.py", FAVOURITE)
    out = tmp_path / "r.html"
    args = ["backtest", "--series", "KXHIGHNY", "--db", sim_db, "--out", str(out)]
    args += ["--start", "2026-11-01", "--end", "2026-11-04", "--strategy", f"{path}:MyFavourite"]
    result = CliRunner().invoke(main, [*args, "--sweep", "size=1,2", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("class MyFavourite(:\n    pass\n", r"bad\.py:1: syntax error"),
        ("import no_such_module_here\n", r"bad\.py:1: ModuleNotFoundError"),
        ("class Other:\n    pass\n", r"has no 'MyFavourite' \(classes defined there: Other\)"),
        (
            "class MyFavourite:\n    name = 'x'\n    def __init__(self):\n        pass\n"
            "    def on_bar(self, state):\n        return []\n",
            r"bad\.py:1: .*MyFavourite does not take those parameters",
        ),
        (
            "class MyFavourite:\n    def __init__(self, size='1'):\n        pass\n"
            "    def on_bar(self, state):\n        return []\n",
            r"bad\.py:1: .* needs a `name`",
        ),
        (
            "class MyFavourite:\n    name = 'x'\n    def __init__(self, size='1'):\n"
            "        raise ValueError('no')\n",
            r"building .* failed at .*bad\.py:4: ValueError: no",
        ),
    ],
)
def test_a_broken_file_names_file_and_line(tmp_path: Path, source: str, expected: str) -> None:
    path = write(tmp_path, "bad.py", source)
    with pytest.raises(StrategyError, match=expected):
        create_strategy(f"{path}:MyFavourite", {"size": "2"})


BAD_ANSWERS = """
from kalshi_tape.strategy import Count, Order


class Raises:
    name = "raises"

    def on_bar(self, state):
        return [1 / 0]


class ReturnsDict:
    name = "dict"

    def on_bar(self, state):
        return {"ticker": "X"}


class ReturnsJunk:
    name = "junk"

    def on_bar(self, state):
        return ["buy it"]


class BadSide:
    name = "badside"

    def on_bar(self, state):
        return [Order(state.tickers[0], "YES", "buy", Count("1"))]


class Stranger:
    name = "stranger"

    def on_bar(self, state):
        return [Order("KXNOPE-26JAN01-B1", "yes", "buy", Count("1"))]
"""


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Raises", r"raises on_bar raised at .*answers\.py:9: ZeroDivisionError"),
        ("ReturnsDict", r"dict on_bar \(.*answers\.py:15\) returned dict; expected a list"),
        ("ReturnsJunk", r"junk on_bar \(.*answers\.py:22\) returned a str in its list"),
        ("BadSide", r"badside \(.*answers\.py:30\): order side must be 'yes' or 'no', got 'YES'"),
        ("Stranger", r"stranger on_bar \(.*answers\.py:36\) ordered 'KXNOPE-26JAN01-B1', not a"),
    ],
)
def test_a_bad_answer_names_file_and_line(
    sim_db: str, tmp_path: Path, name: str, expected: str
) -> None:
    path = write(tmp_path, "answers.py", BAD_ANSWERS)
    with pytest.raises(StrategyError, match=expected):
        fills_of(sim_db, f"{path}:{name}", {})


def test_cli_errors_are_one_line_and_create_nothing(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.py", "def broken(:\n")
    warehouse = tmp_path / "paper.duckdb"
    result = CliRunner().invoke(
        main,
        [
            "paper",
            "--strategy",
            f"{bad}:X",
            "--series",
            "KXHIGHNY",
            "--db",
            f"duckdb:///{warehouse}",
        ],
    )
    assert result.exit_code != 0
    assert "bad.py:1: syntax error" in result.output and "Traceback" not in result.output
    assert not warehouse.exists()
    missing = CliRunner().invoke(
        main, ["paper", "--strategy", f"{tmp_path}/none.py:X", "--series", "KXHIGHNY"]
    )
    assert missing.exit_code != 0 and "none.py does not exist" in missing.output
