"""Structure rules for src/kalshi_tape, checked with the standard library's `ast`:

* no import cycle between the package's modules. Every `import` / `from ... import` counts,
  at module level and inside functions (a function-level import is still a dependency, it
  only runs later). Imports under `if TYPE_CHECKING:` do NOT count: they never run, they
  only name types for the type checker. A package's `__init__` re-exporting its
  submodules is an ordinary edge (package -> submodule); a submodule importing a sibling
  does not implicitly import its package here, so that common pattern is not a cycle.
* no module over MAX_LINES lines.
* every module appears in the package layout of docs/architecture.md (rule stated at the
  top of that section; see `layout_entries`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "src" / "kalshi_tape"
PACKAGE = "kalshi_tape"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _import_nodes(nodes: Iterable[ast.AST]) -> list[ast.Import | ast.ImportFrom]:
    """Every import in `nodes` and below, skipping the body of `if TYPE_CHECKING:` blocks."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            found += _import_nodes(node.orelse)
        else:
            found += _import_nodes(ast.iter_child_nodes(node))
    return found


def _resolve_from(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """Intra-package modules that `module` imports (see the module docstring for the rules)."""
    tree = ast.parse(path.read_text(), str(path))
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in _import_nodes([tree]):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        source = _resolve_from(module, is_package, node)
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            targets.add(submodule if submodule in known else source)
    return {t for t in targets if t in known and t != module}


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    known = set(modules)
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each as a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(_cycle_through(graph, set(component)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _cycle_through(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """One concrete cycle inside a strongly connected component (for the failure message)."""
    start = min(component)
    path, seen = [start], {start}
    while True:
        nxt = min(t for t in graph[path[-1]] if t in component)
        if nxt in seen:
            return [*path[path.index(nxt) :], nxt]
        path.append(nxt)
        seen.add(nxt)


def test_no_import_cycles() -> None:
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles in src/kalshi_tape:\n" + "\n".join(
        "  " + " -> ".join(c) for c in cycles
    )


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_imports_under_type_checking_do_not_count(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from kalshi_tape.core import money\n"
        "if TYPE_CHECKING:\n"
        "    from kalshi_tape.core import domain\n"
        "def later():\n"
        "    from kalshi_tape.sim import app\n"
    )
    known = {
        "kalshi_tape.core.money",
        "kalshi_tape.core.domain",
        "kalshi_tape.sim",
        "kalshi_tape.sim.app",
    }
    assert imports_of("kalshi_tape.m", source, known) == {
        "kalshi_tape.core.money",
        "kalshi_tape.sim.app",
    }


def test_no_module_over_the_line_limit() -> None:
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in PACKAGE_DIR.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not too_long, f"modules over {MAX_LINES} lines (split them by topic): {too_long}"


# --------------------------------------------------------------------------- layout

ENTRY = re.compile(r"^( *)([A-Za-z_][\w]*(?:\.py|/))(?:\s|$)")


def layout_block() -> list[str]:
    text = ARCHITECTURE.read_text()
    section = text.split("## Package layout", 1)[1]
    block = section.split("```", 2)[1]
    lines = block.splitlines()[1:]  # after the opening fence's line
    assert lines and lines[0].strip() == "src/kalshi_tape/", "layout must start at src/kalshi_tape/"
    return lines[1:]


def layout_entries(lines: list[str]) -> set[str]:
    """Paths (relative to src/kalshi_tape/) that the layout tree lists.

    An entry is a line whose first word is a module (`name.py`) or a package (`name/`),
    indented two spaces per level below the directory line it belongs to. Anything else
    (a description running onto the next line, indented deeper) is not an entry.
    """
    entries: set[str] = set()
    parents: list[str] = []  # directory path at each depth
    for line in lines:
        match = ENTRY.match(line)
        if not match or len(match.group(1)) % 2:
            continue
        depth = len(match.group(1)) // 2 - 1
        if depth < 0 or depth > len(parents):
            continue
        del parents[depth:]
        path = "/".join([*parents, match.group(2)])
        entries.add(path.rstrip("/"))
        if match.group(2).endswith("/"):
            parents.append(match.group(2).rstrip("/"))
    return entries


def required_entries() -> dict[str, Path]:
    """Every module file and every package directory under src/kalshi_tape/
    (a package's `__init__.py` is covered by its directory line)."""
    required: dict[str, Path] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        rel = path.relative_to(PACKAGE_DIR)
        if path.name != "__init__.py":
            required[rel.as_posix()] = path
        for parent in rel.parents:
            if parent != Path("."):
                required.setdefault(parent.as_posix(), path.parent)
    return required


def _where_to_add(entry: str) -> str:
    parent, _, name = entry.rpartition("/")
    depth = entry.count("/") + 1
    line = "  " * depth + (name if entry.endswith(".py") else name + "/")
    parent_line = "  " * (depth - 1) + parent.rpartition("/")[2] + "/"
    under = f"its package line `{parent_line}` ({parent}/)" if parent else "`src/kalshi_tape/`"
    return f"  {entry}: add the line `{line}   <what it holds>` under {under}"


def test_architecture_layout_lists_every_module() -> None:
    listed = layout_entries(layout_block())
    missing = sorted(set(required_entries()) - listed)
    assert not missing, (
        "docs/architecture.md '## Package layout' is missing modules of src/kalshi_tape/ "
        "(one line per module and per package directory, two spaces per level):\n"
        + "\n".join(_where_to_add(m) for m in missing)
    )


def test_architecture_layout_lists_nothing_that_is_gone() -> None:
    stale = sorted(layout_entries(layout_block()) - set(required_entries()))
    assert not stale, (
        "docs/architecture.md '## Package layout' lists modules that do not exist "
        f"under src/kalshi_tape/ (remove or rename them): {stale}"
    )


def test_layout_parser_reads_nesting_and_skips_continuations() -> None:
    lines = [
        "  money.py        Price and Count",
        "                  continued.py description line",
        "  sim/            the simulator",
        "    routes/       REST routes",
        "      markets.py  /markets",
        "    app.py        the app",
        "  cli.py          commands",
    ]
    assert layout_entries(lines) == {
        "money.py",
        "sim",
        "sim/routes",
        "sim/routes/markets.py",
        "sim/app.py",
        "cli.py",
    }
