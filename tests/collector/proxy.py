"""A TCP proxy on loopback that can be taken down and brought back: a PostgreSQL outage
for one test without touching the shared server."""

from __future__ import annotations

import asyncio
import contextlib
import threading


class TcpProxy:
    """Runs on its own event loop thread, so blocking database calls elsewhere are fine."""

    def __init__(
        self, target_port: int, target_host: str = "127.0.0.1", *, delay_s: float = 0.0
    ) -> None:
        self.target = (target_host, target_port)
        self.delay_s = delay_s  # latency added to every chunk forwarded (a slow network)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()

    def up(self) -> None:
        asyncio.run_coroutine_threadsafe(self._up(), self._loop).result(5)

    def down(self) -> None:
        asyncio.run_coroutine_threadsafe(self._down(), self._loop).result(5)

    async def _up(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _down(self) -> None:
        """Stop listening and cut every open connection."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        pipes = (_pipe(reader, up_writer, self.delay_s), _pipe(up_reader, writer, self.delay_s))
        await asyncio.gather(*pipes)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay_s: float) -> None:
    with contextlib.suppress(Exception):
        while data := await reader.read(65536):
            if delay_s:
                await asyncio.sleep(delay_s)
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(Exception):
        writer.transport.abort()
