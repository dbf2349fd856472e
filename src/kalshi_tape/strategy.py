"""The stable public surface for writing a strategy outside the package.

A strategy file imports only from here:

```python
from kalshi_tape.strategy import BarState, Count, Order, Strategy, price_of

class BuyTheFavourite:
    name = "buy_the_favourite"

    def __init__(self, hour: str = "10", size: str = "1") -> None:  # --param k=v, as text
        self.hour, self.size, self.done = float(hour), Count(size), set()

    def on_bar(self, state: BarState) -> list[Order]:
        if state.event_ticker in self.done or state.hour < self.hour:
            return []
        self.done.add(state.event_ticker)
        best = int(state.pmf_market.argmax())
        return [Order(state.tickers[best], "yes", "buy", self.size)]
```

and runs with `ktape backtest --strategy path/to/file.py:BuyTheFavourite` (or
`package.module:Name`, or a name registered in the `kalshi_tape.strategies` entry-point
group), in `--sweep` and in `ktape paper` alike. See docs/backtest.md, "Your own strategy".
`create_strategy(spec, params)` resolves such a spec (or a shipped name) to an instance,
as those commands do.
"""

from kalshi_tape.backtest.strategies.protocol import (
    FEATURE_NAMES,
    BarState,
    Order,
    Strategy,
    StrategyError,
    price_of,
)
from kalshi_tape.backtest.strategies.shipped import create_strategy
from kalshi_tape.core.money import Count, Price

__all__ = [
    "FEATURE_NAMES",
    "BarState",
    "Count",
    "Order",
    "Price",
    "Strategy",
    "StrategyError",
    "create_strategy",
    "price_of",
]
