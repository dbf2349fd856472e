"""Rooms that show what they hold: arrows between packages that must not cross sideways.
The demo sits above both backfill and sim; discovery lives in the client (issue 24)."""

from __future__ import annotations

import pytest

from tests.test_structure import import_graph

# (importing package, package it must not import)
FORBIDDEN = [
    ("kalshi_tape.backfill", "kalshi_tape.sim"),
    ("kalshi_tape.weather", "kalshi_tape.backfill"),
    ("kalshi_tape.client", "kalshi_tape.backfill"),
    ("kalshi_tape.sim", "kalshi_tape.backfill"),
]


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def crossings(graph: dict[str, set[str]], source: str, target: str) -> list[str]:
    return sorted(
        f"{module} -> {imported}"
        for module, imported_set in graph.items()
        if _within(module, source)
        for imported in imported_set
        if _within(imported, target)
    )


@pytest.mark.parametrize(("source", "target"), FORBIDDEN)
def test_no_sideways_import(source: str, target: str) -> None:
    assert crossings(import_graph(), source, target) == []


def test_crossings_finds_an_edge() -> None:
    graph = {"kalshi_tape.backfill.x": {"kalshi_tape.sim.y"}, "kalshi_tape.simx": set()}
    assert crossings(graph, "kalshi_tape.backfill", "kalshi_tape.sim") == [
        "kalshi_tape.backfill.x -> kalshi_tape.sim.y"
    ]


# Paper trading is the execution core fed live (issue 23): from the backtest it imports the
# core only; strategies come through the public `kalshi_tape.strategy`.
PAPER_MAY_IMPORT_FROM_BACKTEST = ("kalshi_tape.backtest.execution",)


def backtest_internals(graph: dict[str, set[str]], source: str) -> list[str]:
    """Edges from `source` into kalshi_tape.backtest outside its execution core."""
    return [
        edge
        for edge in crossings(graph, source, "kalshi_tape.backtest")
        if not any(_within(edge.split(" -> ")[1], p) for p in PAPER_MAY_IMPORT_FROM_BACKTEST)
    ]


def test_paper_imports_only_the_execution_core() -> None:
    graph = import_graph()
    assert backtest_internals(graph, "kalshi_tape.paper") == []
    assert crossings(graph, "kalshi_tape.paper", "kalshi_tape.backtest.execution")  # it does


def test_backtest_internals_finds_an_edge() -> None:
    graph = {
        "kalshi_tape.paper.engine": {
            "kalshi_tape.backtest.execution.bookengine",
            "kalshi_tape.backtest.signals.features",
            "kalshi_tape.strategy",
        }
    }
    assert backtest_internals(graph, "kalshi_tape.paper") == [
        "kalshi_tape.paper.engine -> kalshi_tape.backtest.signals.features"
    ]
