"""Running a strategy: the candle and book bar loops, the series runner, tape mode, sweeps,
results.
"""
