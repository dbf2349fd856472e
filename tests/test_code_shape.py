"""Function-shape rule for src/kalshi_tape, checked with the standard library's `ast`:
no function (or method) over MAX_FUNCTION_LINES lines, decorators included. Cyclomatic
complexity is bounded by ruff (C901, max 12; PLR0915) in pyproject.toml.

ALLOWLIST names the functions still over the limit, each with the branch that shortens
it; the lead removes an entry when that branch merges. An entry that is no longer over the
limit fails the test too, so the list cannot go stale."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "src" / "kalshi_tape"
MAX_FUNCTION_LINES = 40

# (path under src/kalshi_tape, function name) -> owner who shortens it.
ALLOWLIST: dict[tuple[str, str], str] = {}

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def function_lines(node: FunctionNode) -> int:
    """Lines from the first decorator (or the `def`) to the function's last line."""
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    end = node.end_lineno if node.end_lineno is not None else node.lineno
    return end - start + 1


def functions(source: str) -> Iterator[FunctionNode]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def long_functions(source: str, limit: int = MAX_FUNCTION_LINES) -> list[tuple[str, int]]:
    return [(f.name, function_lines(f)) for f in functions(source) if function_lines(f) > limit]


def offenders() -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        relative = path.relative_to(PACKAGE_DIR).as_posix()
        for name, lines in long_functions(path.read_text(encoding="utf-8")):
            found[(relative, name)] = lines
    return found


def test_no_function_over_the_limit_outside_the_allowlist() -> None:
    over = {key: n for key, n in offenders().items() if key not in ALLOWLIST}
    listed = [f"{path} {name} ({n} lines)" for (path, name), n in sorted(over.items())]
    assert not listed, f"functions over {MAX_FUNCTION_LINES} lines: " + "; ".join(listed)


def test_allowlist_holds_only_functions_still_over_the_limit() -> None:
    stale = sorted(set(ALLOWLIST) - set(offenders()))
    assert not stale, f"remove from ALLOWLIST (now within the limit or gone): {stale}"


def test_the_measure_counts_decorators_and_catches_a_long_function() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(39))
    source = f"@decorator\ndef long():\n{body}\n\nasync def short():\n    return 1\n"
    assert long_functions(source) == [("long", 41)]
    assert long_functions(source, limit=41) == []
