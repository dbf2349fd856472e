"""The demo: it sits above both the backfill and the simulator, so neither imports the other."""
