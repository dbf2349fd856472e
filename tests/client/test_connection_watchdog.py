"""The connection's watchdog is a task beside the reader (no timeout per frame): a quiet but
healthy server is pinged and kept, a busy one is never pinged, and frames keep flowing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from websockets.asyncio.server import ServerConnection, serve

from kalshi_tape.client.stream import Connected, Disconnected
from kalshi_tape.client.stream.connection import Connection, ConnectionOptions

IDLE = ConnectionOptions(idle_timeout=0.2, pong_timeout=0.5, close_timeout=0.5)


@asynccontextmanager
async def _server(pauses: list[float]) -> AsyncIterator[tuple[str, list[float]]]:
    """Sends one frame after each pause; records when pings arrive (loop time)."""
    pings: list[float] = []

    async def handler(ws: ServerConnection) -> None:
        loop = asyncio.get_running_loop()
        original = ws.process_event  # count pings as the server sees them

        def process_event(event: object) -> None:
            if getattr(event, "opcode", None) is not None and event.opcode.name == "PING":  # type: ignore[attr-defined]
                pings.append(loop.time())
            original(event)  # type: ignore[arg-type]

        ws.process_event = process_event  # type: ignore[method-assign]
        for i, pause in enumerate(pauses):
            await asyncio.sleep(pause)
            await ws.send(f'{{"n":{i}}}')
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}", pings


async def _frames(connection: Connection, count: int) -> tuple[list[bytes], list[str]]:
    frames: list[bytes] = []
    disconnects: list[str] = []
    async for item in connection.run():
        if isinstance(item, tuple):
            frames.append(item[0])
            if len(frames) == count:
                break
        elif isinstance(item, Disconnected):
            disconnects.append(item.reason)
        else:
            assert isinstance(item, Connected)
    await connection.close()
    return frames, disconnects


async def test_a_quiet_healthy_connection_is_pinged_and_kept() -> None:
    async with _server([0.0, 1.0, 0.0]) as (url, pings):
        frames, disconnects = await asyncio.wait_for(_frames(Connection(url, options=IDLE), 3), 10)
    assert frames == [b'{"n":0}', b'{"n":1}', b'{"n":2}']
    assert disconnects == []  # the pongs came back: no reconnect
    assert len(pings) >= 2  # 1 s of silence at idle_timeout 0.2 s: probed more than once


async def test_a_busy_connection_is_never_pinged() -> None:
    async with _server([0.05] * 20) as (url, pings):
        frames, disconnects = await asyncio.wait_for(_frames(Connection(url, options=IDLE), 20), 10)
    assert len(frames) == 20 and disconnects == []
    assert pings == []  # a frame every 50 ms never leaves 0.2 s of silence
