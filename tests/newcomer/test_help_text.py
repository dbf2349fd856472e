"""Every option of every `ktape` command, subcommands included, explains itself."""

from __future__ import annotations

import click

from kalshi_tape.cli.main import main


def walk(command: click.Command, path: str, parent: click.Context | None) -> list[str]:
    """`path --option` for every option without help text, in the whole tree."""
    ctx = click.Context(command, info_name=path.split(" ")[-1], parent=parent)
    missing = [
        f"{path} {param.opts[0]}"
        for param in command.params
        if isinstance(param, click.Option) and not (param.help or "").strip()
    ]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                missing += walk(sub, f"{path} {name}", ctx)
    return missing


def test_every_option_has_help_text() -> None:
    assert walk(main, "ktape", None) == []


def test_the_walk_sees_options_of_nested_groups() -> None:
    @click.group()
    def outer() -> None: ...

    @outer.group()
    def inner() -> None: ...

    @inner.command()
    @click.option("--bare")
    @click.option("--told", help="Explained.")
    def leaf(bare: str, told: str) -> None: ...

    assert walk(outer, "x", None) == ["x inner leaf --bare"]
