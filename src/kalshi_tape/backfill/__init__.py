"""Backfill: resolve targets (`discover`), plan the fewest requests (`plan`), fetch and
store resumably (`runner`); `cli` and `demo` are the command-line layers."""
