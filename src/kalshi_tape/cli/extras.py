"""Optional extras: which `pip install 'kalshi-tape[X]'` a missing package calls for.

The core install (client, backfill, DuckDB warehouse, collector, simulator, CLI) needs no
extra. A command that reaches for a package of an extra that is not installed answers with
one line naming the extra instead of a traceback.
"""

from __future__ import annotations

# Top-level import name of a package -> the extra that installs it. `None`: several extras
# install it, so the command's own extra (COMMAND_EXTRAS) is the one to name.
PACKAGE_EXTRAS: dict[str, str | None] = {
    "psycopg": "postgres",
    "psycopg_pool": "postgres",
    "fastapi": "api",
    "redis": "api",
    "pydantic": "api",
    "polars": None,
    "plotly": "backtest",
    "sklearn": "backtest",
    "scipy": "backtest",
    "metar": "weather",
    "dask": "cluster",
    "distributed": "cluster",
}

# `ktape` command -> the extra it needs beyond the core.
COMMAND_EXTRAS: dict[str, str] = {
    "serve": "api",
    "cache": "api",
    "apikey": "api",
    "backtest": "backtest",
    "import quotes": "backtest",
    "paper": "backtest",
    "weather": "weather",
}


def extra_for(missing_module: str | None, command: str) -> str | None:
    """The extra that provides `missing_module` (a ModuleNotFoundError's `name`) for
    `command`, or None when the module is not an optional package (a genuine bug)."""
    top = (missing_module or "").split(".")[0]
    if top not in PACKAGE_EXTRAS:
        return None
    return PACKAGE_EXTRAS[top] or COMMAND_EXTRAS.get(command, "all")


def install_hint(command: str, missing_module: str, extra: str) -> str:
    """The one line a command prints when its extra is missing."""
    top = missing_module.split(".")[0]
    return (
        f"`ktape {command}` needs the '{extra}' extra ({top} is not installed): "
        f"pip install 'kalshi-tape[{extra}]'"
    )
