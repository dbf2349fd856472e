"""The `ktape` command line: a thin layer over the library.

Each subsystem defines its commands next to its code; this module only gathers them, and
imports a subsystem only when one of its commands runs (or help lists them), so that
`ktape sim` never pays for scikit-learn or FastAPI.
"""

from __future__ import annotations

import importlib

import click

from kalshi_tape import __version__
from kalshi_tape.cli.extras import extra_for, install_hint

# (name, module, attribute) of every command, in the order `ktape --help` lists them.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("demo", "kalshi_tape.demo.cli", "demo_command"),
    ("backfill", "kalshi_tape.backfill.cli", "backfill_command"),
    ("watch", "kalshi_tape.client.cli", "watch_command"),
    ("collect", "kalshi_tape.collector.cli", "collect_command"),
    ("book", "kalshi_tape.collector.cli", "book_command"),
    ("sim", "kalshi_tape.sim.cli", "sim_command"),
    ("db", "kalshi_tape.storage.cli", "db_group"),
    ("export", "kalshi_tape.storage.cli", "export_command"),
    ("import", "kalshi_tape.storage.cli", "import_command"),
    ("serve", "kalshi_tape.api.cli", "serve_command"),
    ("cache", "kalshi_tape.api.cli", "cache_group"),
    ("apikey", "kalshi_tape.api.cli", "apikey_group"),
    ("backtest", "kalshi_tape.backtest.cli", "backtest_command"),
    ("weather", "kalshi_tape.weather.cli", "weather_group"),
    ("paper", "kalshi_tape.paper.cli", "paper_group"),
)

# (group, module, attribute) of subcommands a subsystem adds to another one's group.
SUBCOMMANDS: tuple[tuple[str, str, str], ...] = (
    ("import", "kalshi_tape.backtest.cli", "quotes_command"),
    ("paper", "kalshi_tape.backtest.report.paper", "report_command"),
)


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, _, _ in COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            spec = next((c for c in COMMANDS if c[0] == cmd_name), None)
            if spec is None:
                return None
            try:
                self.add_command(_load(spec[1], spec[2]), cmd_name)
                _attach_subcommands(self.commands[cmd_name], cmd_name)
            except ModuleNotFoundError as exc:
                extra = extra_for(exc.name, cmd_name)
                if extra is None:
                    raise
                self.add_command(
                    _needs_extra(cmd_name, install_hint(cmd_name, exc.name or "", extra))
                )
        return self.commands[cmd_name]

    def invoke(self, ctx: click.Context) -> object:
        """Runs the command; a package of a missing extra imported on the way (e.g.
        psycopg for a PostgreSQL URL) becomes one line naming the extra. Every error message
        is masked too: a driver's message may echo a URL with its password."""
        from kalshi_tape.observability.redact import redact

        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            exc.message = redact(exc.message)  # type: ignore[misc]  # Final in stubs only
            raise
        except ModuleNotFoundError as exc:
            command = ctx.invoked_subcommand or ""
            extra = extra_for(exc.name, command)
            if extra is None:
                raise
            raise click.ClickException(install_hint(command, exc.name or "", extra)) from None


def _needs_extra(name: str, hint: str) -> click.Command:
    """A stand-in for a command whose extra is not installed: listed in help, and when run
    it says which extra to install and exits 1."""

    def refuse() -> None:
        raise click.ClickException(hint)

    return click.Command(
        name,
        callback=refuse,
        help=hint,
        short_help=hint.split(":")[0],
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        add_help_option=False,
    )


def _load(module_name: str, attribute: str) -> click.Command:
    command = getattr(importlib.import_module(module_name), attribute)
    assert isinstance(command, click.Command), f"{module_name}.{attribute} is not a command"
    return command


def _attach_subcommands(command: click.Command, name: str) -> None:
    if not isinstance(command, click.Group):
        return
    for group_name, module_name, attribute in SUBCOMMANDS:
        if group_name != name:
            continue
        try:
            command.add_command(_load(module_name, attribute))
        except ModuleNotFoundError as exc:
            sub_name = attribute.removesuffix("_command")
            full_name = f"{name} {sub_name}"
            extra = extra_for(exc.name, full_name)
            if extra is None:
                raise
            command.add_command(
                _needs_extra(sub_name, install_hint(full_name, exc.name or "", extra))
            )


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ktape")
def main() -> None:
    """kalshi-tape: Kalshi market data, collected, kept exactly, served and backtested."""
    from kalshi_tape.core.errors import ConfigError
    from kalshi_tape.observability import configure_logging

    try:
        configure_logging()  # credentials are masked in every log record of every command
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
