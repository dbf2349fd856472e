"""Keyword arguments declared once, as a TypedDict, and shared by several signatures
(`**filters: Unpack[TradeFilters]`). mypy checks the callers; `check` refuses at run time
what a written-out signature would refuse, so a misspelt name fails instead of vanishing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def check(kind: Any, given: Mapping[str, object], where: str) -> None:
    """TypeError for a name the TypedDict `kind` does not declare or a required one missing."""
    if unknown := given.keys() - kind.__required_keys__ - kind.__optional_keys__:
        raise TypeError(f"{where}() got unexpected keyword arguments {sorted(unknown)}")
    if missing := kind.__required_keys__ - given.keys():
        raise TypeError(f"{where}() missing keyword arguments {sorted(missing)}")


def ordered(
    kind: Any, given: Mapping[str, object], where: str, **defaults: object
) -> dict[str, Any]:
    """Every name `kind` declares, in its order: the value given, else the default, else
    None (checked as `check` does)."""
    check(kind, given, where)
    return {name: given.get(name, defaults.get(name)) for name in kind.__annotations__}
