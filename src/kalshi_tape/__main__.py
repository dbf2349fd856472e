"""`python -m kalshi_tape` runs the `ktape` command line."""

from kalshi_tape.cli.main import main

main()
