"""A replay feeder: recorded WebSocket frames served to a client as fast as it reads them.

```python
feeder = ReplayFeeder(frames, passes=10)      # frames as captured (bytes, one per message)
async with feeder.serving() as url:           # ws://127.0.0.1:PORT/trade-api/ws/v2
    ...                                       # point a collector's ws_url at it
```

It speaks just enough of Kalshi's protocol for a collector: the WebSocket handshake (no
extensions), `subscribe` answered with `subscribed` and the sid each channel had in the
capture, `update_subscription` answered `ok`, ping/pong and close. Once the client has
subscribed to `orderbook_delta`, it writes the frames, pass after pass, with the order-book
channel's `seq` renumbered so it stays continuous across passes (each pass starts with the
captured snapshots). Frames are framed by hand and written in large chunks with the
transport's flow control, so the feeder is never what limits a benchmark: see
docs/benchmarks.md, Collector (feeder alone, frames/s).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import re
import struct
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PATH = "/trade-api/ws/v2"
CHUNK_FRAMES = 2_000
_SEQ = re.compile(rb'"seq":(\d+)')
_SID = re.compile(rb'"sid":(\d+)')
_TYPE = re.compile(rb'"type":"([a-z_]+)"')
BOOK_TYPES = (b"orderbook_snapshot", b"orderbook_delta")
CHANNEL_OF = {b"orderbook_snapshot": "orderbook_delta", b"orderbook_delta": "orderbook_delta"}


def frame_header(length: int, opcode: int = 0x1) -> bytes:
    """A final, unmasked server frame header (RFC 6455 §5.2)."""
    first = 0x80 | opcode
    if length < 126:
        return bytes((first, length))
    if length < 1 << 16:
        return struct.pack("!BBH", first, 126, length)
    return struct.pack("!BBQ", first, 127, length)


@dataclass(slots=True)
class _Template:
    """A captured frame split around its `seq` value (book frames) or kept whole."""

    head: bytes
    tail: bytes = b""
    sequenced: bool = False


@dataclass
class ReplayFeeder:
    frames: Sequence[bytes]
    passes: int = 1
    rate: float = 0.0  # data frames per second per connection (0: as fast as it is read)
    sent: int = 0  # data frames written (all connections)
    _templates: list[_Template] = field(default_factory=list)
    _sids: dict[str, int] = field(default_factory=dict)
    _done: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        for raw in self.frames:
            kind = _TYPE.search(raw)
            channel = kind[1].decode() if kind else ""
            channel = CHANNEL_OF.get(kind[1], channel) if kind else channel
            sid = _SID.search(raw)
            if sid and channel:
                self._sids.setdefault(channel, int(sid[1]))
            seq = _SEQ.search(raw)
            if kind and kind[1] in BOOK_TYPES and seq:
                head, tail = raw[: seq.start(1)], raw[seq.end(1) :]
                self._templates.append(_Template(head, tail, True))
            else:
                self._templates.append(_Template(raw))

    @property
    def finished(self) -> asyncio.Event:
        """Set when a connection has been sent every pass."""
        return self._done

    @contextlib.asynccontextmanager
    async def serving(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
        server = await asyncio.start_server(self._serve, host, port)
        bound = server.sockets[0].getsockname()[1]
        try:
            yield f"ws://{host}:{bound}{PATH}"
        finally:
            server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await _handshake(reader, writer)
            await self._session(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.transport.abort()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        start = asyncio.Event()
        streaming: asyncio.Task[None] | None = None
        try:
            while True:
                opcode, payload = await _read_frame(reader)
                if opcode == 0x8:  # close
                    writer.write(frame_header(0, 0x8))
                    return
                if opcode == 0x9:  # ping
                    writer.write(frame_header(len(payload), 0xA) + payload)
                elif opcode == 0x1:
                    for reply in self._answer(json.loads(payload), start):
                        writer.write(frame_header(len(reply)) + reply)
                if start.is_set() and streaming is None:
                    streaming = asyncio.create_task(self._stream(writer))
        finally:
            if streaming is not None:
                streaming.cancel()
                await asyncio.gather(streaming, return_exceptions=True)

    def _answer(self, command: dict[str, object], start: asyncio.Event) -> list[bytes]:
        cid, cmd = command.get("id"), command.get("cmd")
        params = command.get("params") or {}
        assert isinstance(params, dict)
        if cmd == "subscribe":
            out = []
            for channel in params.get("channels", []):
                sid = self._sids.setdefault(str(channel), max(self._sids.values(), default=0) + 1)
                msg = {"type": "subscribed", "id": cid, "msg": {"channel": channel, "sid": sid}}
                out.append(json.dumps(msg, separators=(",", ":")).encode())
                if channel == "orderbook_delta":
                    start.set()
            return out
        if cmd == "update_subscription":
            sids = params.get("sids") or [None]
            assert isinstance(sids, list)
            ok = {"type": "ok", "id": cid, "sid": sids[0], "msg": {"market_tickers": []}}
            return [json.dumps(ok, separators=(",", ":")).encode()]
        return []

    async def _stream(self, writer: asyncio.StreamWriter) -> None:
        seq, sent, started = 0, 0, asyncio.get_running_loop().time()
        for _ in range(self.passes):
            for i in range(0, len(self._templates), CHUNK_FRAMES):
                parts: list[bytes] = []
                for t in self._templates[i : i + CHUNK_FRAMES]:
                    if t.sequenced:
                        seq += 1
                        body = b"%b%d%b" % (t.head, seq, t.tail)
                    else:
                        body = t.head
                    parts.append(frame_header(len(body)))
                    parts.append(body)
                writer.write(b"".join(parts))
                self.sent += len(parts) // 2
                sent += len(parts) // 2
                try:
                    await writer.drain()
                except ConnectionError:  # the client went away
                    return
                if self.rate:  # paced: no faster than `rate` frames a second
                    await asyncio.sleep(
                        started + sent / self.rate - asyncio.get_running_loop().time()
                    )
        self._done.set()


def capture(base: str, admin: str, ws_url: str, hours: float) -> tuple[list[str], list[bytes]]:
    """Open markets and `hours` exchange hours of their data frames from a frozen simulator
    (`base` its REST root, `admin` its `/_sim` root): what a feeder replays."""
    import httpx
    import websockets.sync.client as ws_client

    body = httpx.get(f"{base}/markets", params={"status": "open", "limit": 1000}).json()
    tickers = sorted(m["ticker"] for m in body["markets"])
    frames: list[bytes] = []
    channels = ("orderbook_delta", "ticker", "trade")
    with ws_client.connect(ws_url, max_size=None) as ws:
        for i, channel in enumerate(channels, 1):
            params = {"channels": [channel], "market_tickers": tickers}
            ws.send(json.dumps({"id": i, "cmd": "subscribe", "params": params}))
        confirmed, advanced = 0, False
        while True:
            if confirmed == len(channels) and not advanced:  # snapshots in: let time run
                httpx.post(f"{admin}/clock", json={"advance_s": hours * 3600}, timeout=300)
                advanced = True
            try:
                frame = ws.recv(timeout=3)
            except TimeoutError:
                break
            data = frame.encode() if isinstance(frame, str) else frame
            confirmed += b'"type":"subscribed"' in data
            if b'"type":"orderbook_' in data or b'"type":"t' in data:
                frames.append(data)
    return tickers, frames


async def _handshake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    request = await reader.readuntil(b"\r\n\r\n")
    key = re.search(rb"(?im)^sec-websocket-key:\s*(\S+)\s*$", request)
    if key is None:
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        raise ValueError("not a WebSocket handshake")
    accept = base64.b64encode(hashlib.sha1(key[1] + WS_GUID).digest())  # RFC 6455's accept key
    writer.write(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )


async def _read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One client frame (masked, as RFC 6455 requires of clients); fragments unsupported."""
    first, second = await reader.readexactly(2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", await reader.readexactly(2))
    elif length == 127:
        (length,) = struct.unpack("!Q", await reader.readexactly(8))
    mask = await reader.readexactly(4) if second & 0x80 else b"\0\0\0\0"
    data = await reader.readexactly(length)
    unmasked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return first & 0x0F, unmasked
