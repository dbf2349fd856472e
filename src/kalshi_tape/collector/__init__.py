"""The live collector (`ktape collect`) and book rebuilding (`ktape book`).

collector = Collector(load_collector_config("config.yaml"), open_store(url))
await collector.run()
rebuild_book(store, ticker, at_ns, clock="exchange").book
"""

from kalshi_tape.books import BookUnknown, RebuiltBook, rebuild_book
from kalshi_tape.collector.daemon import Collector
from kalshi_tape.settings.collector import CollectorConfig
from kalshi_tape.settings.entry import load_collector_config

__all__ = [
    "BookUnknown",
    "Collector",
    "CollectorConfig",
    "RebuiltBook",
    "load_collector_config",
    "rebuild_book",
]
