"""What the subsystems' click commands share: several options as one decorator, and
our errors shown as click errors (one line, exit status 1)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from kalshi_tape.core.errors import KtapeError

F = TypeVar("F", bound=Callable[..., Any])


def options(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Several click options as one decorator (shown in `--help` in the order listed)."""

    def apply(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


@contextmanager
def cli_errors() -> Iterator[None]:
    """A KtapeError raised inside becomes a `click.ClickException` with its message."""
    try:
        yield
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None
