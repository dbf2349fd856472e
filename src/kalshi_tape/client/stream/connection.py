"""One WebSocket connection to Kalshi, kept alive.

`Connection.run()` yields `Connected`, raw frames `(bytes, received_ns)` and
`Disconnected`, reconnecting with a jittered, capped exponential backoff until `close()`.
The handshake is signed (`timestamp + "GET" + "/trade-api/ws/v2"`). The exchange pings
every 10 s and websockets answers; on top, a watchdog task pings the server itself once
no frame came for `idle_timeout` seconds (it looks every quarter of that) and reconnects
when no pong comes back.
A refused handshake (HTTP 401/403) raises: retrying a wrong key or clock cannot help.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from kalshi_tape.client.auth import Signer
from kalshi_tape.client.retry import Backoff
from kalshi_tape.client.stream.events import Connected, Disconnected
from kalshi_tape.client.stream.wsreader import LeanConnection
from kalshi_tape.core.clock import SYSTEM_CLOCK, Clock
from kalshi_tape.core.errors import StreamError

Frame = tuple[bytes, int]
RECONNECT_BACKOFF = Backoff(base_s=0.5, cap_s=30.0)


HEALTHY_S = 5.0  # a connection that lasted this long, or carried HEALTHY_FRAMES, was fine
HEALTHY_FRAMES = 100


@dataclass(frozen=True, slots=True)
class ConnectionOptions:
    open_timeout: float = 10.0
    idle_timeout: float = 30.0
    pong_timeout: float = 10.0
    backoff: Backoff = RECONNECT_BACKOFF
    max_size: int | None = 2**24
    close_timeout: float = 10.0  # wait for the close handshake (websockets' default)
    watchdog: bool = True  # False: wait for frames forever (only to prove the watchdog matters)
    lean_reader: bool = True  # data frames read by `wsreader` (False: websockets' own reader)


class _Watchdog(Exception):
    """The server stopped answering pings."""


class Connection:
    def __init__(
        self,
        url: str,
        *,
        signer: Signer | None = None,
        clock: Clock = SYSTEM_CLOCK,
        rng: random.Random | None = None,
        options: ConnectionOptions | None = None,
    ) -> None:
        self.url = url
        self._signer = signer
        self._clock = clock
        self._rng = rng or random.Random()
        self.options = options or ConnectionOptions()
        self._ws: ClientConnection | None = None
        self._closed = asyncio.Event()
        self._dropping: str | None = None
        self.connects = 0
        self._received = 0  # frames on all connections (the watchdog watches it move)
        self._dead = False  # the watchdog aborted the current connection

    @property
    def connected(self) -> bool:
        return self._ws is not None

    async def send(self, frames: list[bytes]) -> None:
        """Send command frames; silently dropped while offline (restored on reconnect)."""
        ws = self._ws
        if ws is None:
            return
        try:
            for frame in frames:
                await ws.send(frame.decode())
        except ConnectionClosed:
            pass

    def drop(self, reason: str) -> None:
        """Abort this connection (not the loop) at once, without a close handshake that a
        stuck peer may never answer: `run()` yields `Disconnected(reason)` and reconnects as
        after any loss."""
        if self._ws is not None:
            self._dropping = reason
            self._ws.transport.abort()

    async def close(self) -> None:
        self._closed.set()
        if self._ws is not None:
            await self._ws.close()

    async def run(self) -> AsyncIterator[Connected | Disconnected | Frame]:
        failures = 0
        while not self._closed.is_set():
            try:
                ws = await self._open()
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                failures += 1
                yield Disconnected(f"connect failed: {_describe(exc)}", self._clock.now_ns())
                await self._pause(failures)
                continue
            self._ws = ws
            self.connects += 1
            yield Connected(self.url, self.connects > 1, failures + 1, self._clock.now_ns())
            opened, frames = self._clock.monotonic(), 0
            reason = "closed"
            try:
                async for frame in self._frames(ws):
                    frames += 1
                    yield frame
            except ConnectionClosed as exc:
                reason = f"connection closed ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
            except _Watchdog:
                reason = "no pong from server (watchdog)"
            finally:
                self._ws = None
                await _close(ws, dead=reason.endswith("(watchdog)"))
            if self._dropping is not None:
                reason, self._dropping = self._dropping, None
            if self._closed.is_set():
                return
            yield Disconnected(reason, self._clock.now_ns())
            # A server that accepts and drops at once is flapping: back off further each
            # time. A connection that lived or carried data resets the count.
            healthy = frames >= HEALTHY_FRAMES or self._clock.monotonic() - opened >= HEALTHY_S
            failures = 0 if healthy else failures + 1
            await self._pause(failures + 1)

    async def _open(self) -> ClientConnection:
        headers = self._signer.headers("GET", urlsplit(self.url).path) if self._signer else {}
        try:
            return await websockets.connect(
                self.url,
                additional_headers=headers,
                open_timeout=self.options.open_timeout,
                close_timeout=self.options.close_timeout,
                ping_interval=None,
                max_size=self.options.max_size,
                compression=None,
                create_connection=LeanConnection if self.options.lean_reader else None,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in (401, 403):
                body = (
                    exc.response.body.decode("utf-8", "replace")[:200] if exc.response.body else ""
                )
                raise StreamError(
                    f"WebSocket handshake refused: HTTP {status} {body}; check KALSHI_API_KEY_ID,"
                    " KALSHI_PRIVATE_KEY_PATH and that the local clock is right"
                ) from None
            raise

    async def _frames(self, ws: ClientConnection) -> AsyncIterator[Frame]:
        """Frames as they arrive. No timeout per frame (a `wait_for` per frame cost more
        than the rest of the collector's work): the watchdog is a task beside it."""
        self._dead = False
        watchdog = asyncio.create_task(self._watch(ws)) if self.options.watchdog else None
        now = self._clock.now_ns
        recv = ws.next_message if isinstance(ws, LeanConnection) else _recv_bytes(ws)
        try:
            while True:
                data = await recv()
                self._received += 1
                yield data, now()
        except ConnectionClosed:
            if self._dead:
                raise _Watchdog from None
            raise
        finally:
            if watchdog is not None:
                watchdog.cancel()

    async def _watch(self, ws: ClientConnection) -> None:
        """After `idle_timeout` s without a frame, ping; no pong within `pong_timeout`:
        abort the connection (its `recv` then fails and `_frames` says why)."""
        step = self.options.idle_timeout / 4
        seen, quiet = -1, 0.0
        while True:
            await asyncio.sleep(step)
            if self._received != seen:
                seen, quiet = self._received, 0.0
                continue
            quiet += step
            if quiet < self.options.idle_timeout:
                continue
            quiet = 0.0
            try:
                await asyncio.wait_for(_ping(ws), self.options.pong_timeout)
            except TimeoutError:
                self._dead = True
                ws.transport.abort()
                return
            except ConnectionClosed:
                return

    async def _pause(self, attempt: int) -> None:
        delay = self.options.backoff.delay(attempt - 1, self._rng)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), delay)


def _recv_bytes(ws: ClientConnection) -> Callable[[], Awaitable[bytes]]:
    async def recv() -> bytes:
        data = await ws.recv(decode=False)
        return data if isinstance(data, bytes) else data.encode()

    return recv


async def _ping(ws: ClientConnection) -> None:
    waiter = await ws.ping()
    await waiter


async def _close(ws: ClientConnection, *, dead: bool) -> None:
    """Close politely, but abort at once a server that stopped answering: it would never
    answer the close handshake either, and waiting would delay the reconnect."""
    if dead:
        ws.transport.abort()
    else:
        await ws.close()


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]
