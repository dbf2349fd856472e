"""Paper trading: a backtest strategy run unchanged on the live feed, its orders simulated
against the live book (`gateway`), journaled in the warehouse (`journal`); `engine` is the
bar loop shared by the live session (`session`) and its replay from the recorded tape
(`replay`). See docs/paper.md."""
