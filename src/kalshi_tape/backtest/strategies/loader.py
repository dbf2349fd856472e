"""Strategies from outside the package: `path/to/file.py:Name`, `package.module:Name`, or a
name in the `kalshi_tape.strategies` entry-point group.

`Name` is a class (or any callable) taking the `--param k=v` values as keyword strings and
returning an object with `name` and `on_bar(state) -> Sequence[Order]`. What it returns is
wrapped so that every bad move names the file and line it came from: a file that does not
import, a missing name, a parameter it does not take, an `on_bar` that raises or returns
something other than a sequence of `Order`.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

import kalshi_tape
from kalshi_tape.backtest.strategies.protocol import BarState, Order, Strategy, StrategyError

ENTRY_POINT_GROUP = "kalshi_tape.strategies"
PACKAGE_DIR = str(Path(kalshi_tape.__file__).resolve().parent)


def is_spec(name: str) -> bool:
    """Whether `name` points outside the registry (`file.py:Name` or `module:Name`)."""
    return ":" in name


def entry_point_names() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))


def load_strategy(spec: str, params: Mapping[str, str]) -> Strategy:
    """The strategy `spec` names, built with `params`."""
    factory, where = _factory(spec)
    return _build(factory, where, spec, params)


def load_entry_point(name: str, params: Mapping[str, str]) -> Strategy | None:
    """The strategy registered under `name` by an installed package (None when none is)."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            try:
                factory = ep.load()
            except Exception as exc:
                raise StrategyError(f"entry point {name!r} ({ep.value}): {_why(exc)}") from None
            return _build(factory, f"entry point {ep.value}", name, params)
    return None


def _factory(spec: str) -> tuple[Callable[..., Any], str]:
    target, _, attr = spec.rpartition(":")
    if not target or not attr.isidentifier():
        raise StrategyError(f"--strategy {spec!r}: expected path/to/file.py:Name or module:Name")
    module = _from_file(Path(target)) if target.endswith(".py") else _from_module(target)
    where = getattr(module, "__file__", None) or target
    if not hasattr(module, attr):
        defined = sorted(n for n, v in vars(module).items() if inspect.isclass(v) and n[0] != "_")
        raise StrategyError(
            f"{where} has no {attr!r} (classes defined there: {', '.join(defined) or 'none'})"
        )
    factory = getattr(module, attr)
    if not callable(factory):
        raise StrategyError(f"{where}: {attr} is not a class or function")
    return factory, where


def _from_file(path: Path) -> ModuleType:
    path = path.expanduser().resolve()
    if not path.is_file():
        raise StrategyError(f"strategy file {path} does not exist")
    digest = hashlib.blake2b(str(path).encode(), digest_size=6).hexdigest()
    name = f"kalshi_tape_user_strategy_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise StrategyError(f"strategy file {path} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pickling (sweep workers) finds classes by module name
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        del sys.modules[name]
        raise StrategyError(f"strategy file {_where(exc, path)}: {_why(exc)}") from None
    return module


def _from_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            raise StrategyError(f"--strategy: no module named {name!r}") from None
        raise StrategyError(f"module {name} ({_where(exc)}): {_why(exc)}") from None
    except Exception as exc:
        raise StrategyError(f"module {name} ({_where(exc)}): {_why(exc)}") from None


def _build(
    factory: Callable[..., Any], where: str, spec: str, params: Mapping[str, str]
) -> Strategy:
    line = _line_of(factory)
    try:
        inspect.signature(factory).bind(**params)
    except TypeError as exc:
        raise StrategyError(
            f"{where}{line}: {spec} does not take those parameters ({exc})"
        ) from None
    except ValueError:  # no signature to read (a builtin): let the call decide
        pass
    try:
        strategy = factory(**params)
    except Exception as exc:
        raise StrategyError(
            f"{where}{line}: building {spec} failed at {_where(exc)}: {_why(exc)}"
        ) from None
    on_bar = getattr(strategy, "on_bar", None)
    if not callable(on_bar):
        raise StrategyError(f"{where}{line}: {spec} has no on_bar(state) method")
    name = getattr(strategy, "name", None)
    if not isinstance(name, str) or not name:
        raise StrategyError(f"{where}{line}: {spec} needs a `name` (a non-empty string)")
    return CheckedStrategy(strategy, f"{where}{_line_of(on_bar)}")


class CheckedStrategy:
    """A user's strategy whose every answer is checked, with errors naming its file and line."""

    def __init__(self, inner: Any, where: str) -> None:
        self.inner = inner
        self.name: str = inner.name
        self.where = where

    def on_bar(self, state: BarState) -> Sequence[Order]:
        try:
            orders = self.inner.on_bar(state)
        except StrategyError as exc:
            raise StrategyError(f"{self.name} ({self._raised_at(exc)}): {exc}") from None
        except Exception as exc:
            raise StrategyError(
                f"{self.name} on_bar raised at {self._raised_at(exc)}: {_why(exc)}"
            ) from None
        if not isinstance(orders, Sequence) or isinstance(orders, str | bytes):
            raise StrategyError(
                f"{self.name} on_bar ({self.where}) returned {type(orders).__name__}; "
                "expected a list of Order"
            )
        for order in orders:
            if not isinstance(order, Order):
                raise StrategyError(
                    f"{self.name} on_bar ({self.where}) returned a {type(order).__name__} in "
                    "its list; every item must be a kalshi_tape.strategy.Order"
                )
            if order.ticker not in state.tickers:
                raise StrategyError(
                    f"{self.name} on_bar ({self.where}) ordered {order.ticker!r}, not a market "
                    f"of {state.event_ticker}"
                )
        return orders

    def _raised_at(self, exc: BaseException) -> str:
        return _where(exc, None) or self.where

    def __getstate__(self) -> dict[str, Any]:
        return {"inner": self.inner, "name": self.name, "where": self.where}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.inner, self.name, self.where = state["inner"], state["name"], state["where"]


def _line_of(obj: object) -> str:
    try:
        return f":{inspect.getsourcelines(obj)[1]}"  # type: ignore[arg-type]
    except (OSError, TypeError):
        return ""


def _where(exc: BaseException, path: Path | None = None) -> str:
    """`file:line` of a syntax error, else of the deepest frame outside this package."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    frames = traceback.extract_tb(_tb(exc))
    outside = [  # the user's frames: not ours, not generated code (a dataclass __init__)
        f
        for f in frames
        if not f.filename.startswith("<")
        and not str(Path(f.filename).resolve()).startswith(PACKAGE_DIR)
    ]
    if path is not None:
        outside = [f for f in frames if Path(f.filename) == path] or outside
    frame = outside[-1] if outside else (frames[-1] if frames else None)
    return f"{frame.filename}:{frame.lineno}" if frame else (str(path) if path else "")


def _tb(exc: BaseException) -> TracebackType | None:
    return exc.__traceback__


def _why(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        return f"syntax error: {exc.msg}"
    return f"{type(exc).__name__}: {exc}"
