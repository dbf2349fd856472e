"""Render the CLI reference (docs/cli.md) from the click command tree.

`make docs` rewrites the file; a test fails when the file and the code disagree.
"""

from __future__ import annotations

import click

from kalshi_tape.cli.main import main

HEADER = (
    "# CLI reference\n\n"
    "Generated from the code by `make docs` (`python -m kalshi_tape.cli.reference`); a test\n"
    "keeps this file in step with `ktape --help`.\n"
)


def render_cli_reference() -> str:
    parts = [HEADER]
    _render(main, "ktape", parts, level=2, parent=None)
    return "\n".join(parts).rstrip() + "\n"


def _render(
    command: click.Command, path: str, parts: list[str], level: int, parent: click.Context | None
) -> None:
    # A context chain like a real invocation's, so subcommands inherit `-h` from `main`.
    ctx = click.Context(
        command, info_name=path.split(" ")[-1], parent=parent, **command.context_settings
    )
    usage = " ".join(command.collect_usage_pieces(ctx))
    parts.append(f"{'#' * level} `{path}`\n")
    if command.help:
        parts.append(command.help.strip() + "\n")
    parts.append(f"```\n{path} {usage}\n```\n")
    # `command.params` leaves out the help option, which click builds lazily and caches
    # from whichever context asked first; its row comes from this context's names.
    rows = [_option_row(p) for p in command.params if isinstance(p, click.Option)]
    if command.add_help_option and ctx.help_option_names:
        names = ", ".join(f"`{n}`" for n in ctx.help_option_names)
        rows.append(f"| {names} | Show this message and exit. |")
    if rows:
        parts.append("| option | meaning |\n| --- | --- |")
        parts.extend(rows)
        parts.append("")
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                _render(sub, f"{path} {name}", parts, level + 1, ctx)


def _option_row(option: click.Option) -> str:
    names = ", ".join(f"`{n}`" for n in option.opts + option.secondary_opts)
    meaning = (option.help or "").replace("|", "\\|")
    if option.show_default and option.default is not None and not callable(option.default):
        meaning += f" (default: `{option.default}`)"
    return f"| {names} | {meaning} |"


if __name__ == "__main__":
    import pathlib

    pathlib.Path("docs/cli.md").write_text(render_cli_reference())
