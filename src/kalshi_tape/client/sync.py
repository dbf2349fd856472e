"""A thin synchronous facade over `KalshiClient` for notebooks and scripts.

It runs the async client on a private event loop in a background thread, so it also
works inside Jupyter (whose own loop is already running). Every coroutine method of
`KalshiClient` is available with the same arguments; `iter_*` methods return ordinary
iterators that fetch page by page.

    with SyncKalshiClient(load_settings()) as client:
        market = client.get_market("KXHIGHNY-26JUN02-B79.5")
        trades = list(client.iter_trades(ticker=market.ticker))
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, TypeVar

from kalshi_tape.client.http import HttpStats
from kalshi_tape.client.rest import KalshiClient
from kalshi_tape.core.closing import Closing
from kalshi_tape.settings.shared import Settings

T = TypeVar("T")


class SyncKalshiClient(Closing):
    def __init__(self, settings: Settings, **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._client: KalshiClient = self._run(_build(settings, options))

    @property
    def stats(self) -> HttpStats:
        return self._client.stats

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        attr = getattr(self._client, name)
        if not callable(attr) or name.startswith("_"):
            return attr  # type: ignore[no-any-return]
        if inspect.iscoroutinefunction(attr):
            return lambda *args, **kwargs: self._run(attr(*args, **kwargs))
        return lambda *args, **kwargs: self._iterate(attr(*args, **kwargs))

    def _iterate(self, result: Any) -> Any:
        if not isinstance(result, AsyncIterator):
            return result
        return _SyncIterator(result, self._run)

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._run(self._client.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


class _SyncIterator(Iterator[Any]):
    def __init__(
        self, source: AsyncIterator[Any], run: Callable[[Coroutine[Any, Any, Any]], Any]
    ) -> None:
        self._source = source
        self._run = run

    def __next__(self) -> Any:
        try:
            return self._run(_anext(self._source))
        except StopAsyncIteration:
            raise StopIteration from None


async def _anext(source: AsyncIterator[T]) -> T:
    return await source.__anext__()


async def _build(settings: Settings, options: dict[str, Any]) -> KalshiClient:
    """Create the client inside the loop's thread (httpx binds to the running loop)."""
    return KalshiClient(settings, **options)
