"""The `ktape` command line: a thin layer over the library.

Each subsystem defines its commands next to its code; this module only gathers them.
"""

from __future__ import annotations

import importlib

import click

from kalshi_tape import __version__

# (module, attribute) of every command, in the order `ktape --help` lists them.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("kalshi_tape.backfill.cli", "demo_command"),
    ("kalshi_tape.backfill.cli", "backfill_command"),
    ("kalshi_tape.client.cli", "watch_command"),
    ("kalshi_tape.sim.cli", "sim_command"),
    ("kalshi_tape.storage.cli", "db_group"),
    ("kalshi_tape.storage.cli", "export_command"),
    ("kalshi_tape.storage.cli", "import_command"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ktape")
def main() -> None:
    """kalshi-tape: Kalshi market data, collected, kept exactly, served and backtested."""


def _register() -> None:
    for module_name, attribute in COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # subsystem not built yet
            raise
        main.add_command(getattr(module, attribute))


_register()
