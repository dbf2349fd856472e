"""Weather-market reference data: series -> station and climate day, bracket rules."""
