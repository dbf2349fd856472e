"""The one execution core of backtests and paper trading: orders, fills, fees.

fees    Kalshi's fee schedule and the per-order fee accumulator (both rounding eras)
candle  fills from bar data (candle mode): taker at the touch, makers against bar volume
book    fills against the L2 book (tape mode, paper): depth walk, queue, print budgets,
        and the overlay of what our own takers consumed from the recorded book
events  the events traded (ladder, fee terms, timing, result) from the warehouse
bookengine  the bar loop over a book feed, shared by tape mode and paper trading
"""
