"""What a backtest reads: panels from the warehouse, imported quote logs, weather inputs."""
