"""Backfill: resolve targets (`discover`), plan the fewest requests (`plan`), fetch and
store resumably (`runner`), with progress bars (`progress.backfill`); `cli` and `demo` are
the command-line layers."""
