"""What a backtest shows: the HTML report and the fills file."""
