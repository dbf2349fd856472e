"""kalshi-tape: collect, keep exactly, serve and backtest Kalshi market data."""

from kalshi_tape.core.money import Count, Price, PriceRange

__version__ = "0.1.0"
__all__ = ["Count", "Price", "PriceRange", "__version__"]
