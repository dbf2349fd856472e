"""From data to probabilities and scores: features, the weather Monte-Carlo, fusion and
calibration, metrics.
"""
