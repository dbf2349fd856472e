"""A lean receive path for the WebSocket: websockets does the handshake, sending, pings,
pongs and the close handshake; the data frames the server streams are read here.

RFC 6455 server -> client frames are unmasked: a 2-byte header (FIN, RSV, opcode, length
7/16/64 bits), then the payload. `FrameSplitter` assembles text and binary messages
(fragmented ones too) from a byte stream split anywhere. Whatever it does not handle
itself is judged by websockets, exactly as before:
* ping and pong frames (whole, valid) are passed to websockets one by one (it answers a
  ping with a pong and resolves our pings' waiters);
* a close frame, a masked frame, RSV bits, an unknown opcode, a stray continuation or a
  malformed control frame: that frame and every byte after it go to websockets, which
  takes over the connection from there (closes it, with the RFC's code);
* a data frame while a fragmented message is open (1002) and a message over `max_size`
  (1009) fail the connection here, through websockets' own `fail`.
websockets' frame parser was 35-38 % of the collector's main thread (generators, an
enum per frame, an assembler queue); this reads a frame in a few slices.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.frames import CloseCode
from websockets.protocol import OPEN

_CONTROL = (9, 10)  # ping, pong
QUEUE_HIGH = 1024  # messages waiting for `next_message`: stop reading the socket above
QUEUE_LOW = 256  # ... and read again below
_HEAD_SIZE = {126: 4, 127: 10}  # header bytes by the 7-bit length field
_HEAD_MAX = 1 << 16  # an HTTP response head longer than this is websockets' to refuse


class FrameSplitter:
    """Server frames from a byte stream. `feed` returns the data messages completed;
    `controls` collects whole ping/pong frames (raw); `handoff` (raw bytes from the first
    frame not handled here) or `failure` (close code, reason) ends the splitter."""

    __slots__ = (
        "_chunks",
        "_have",
        "_max",
        "_need",
        "_parts",
        "_size",
        "controls",
        "failure",
        "handoff",
    )

    def __init__(self, max_size: int | None) -> None:
        self._chunks: list[bytes] = []
        self._have = 0  # bytes in _chunks
        self._need = 2  # bytes needed before parsing can make progress
        self._parts: list[bytes] = []  # the fragments of an open message
        self._size = 0  # their total length
        self._max = max_size
        self.controls: list[bytes] = []
        self.handoff: bytes | None = None
        self.failure: tuple[int, str] | None = None

    @property
    def done(self) -> bool:
        return self.handoff is not None or self.failure is not None

    def feed(self, data: bytes) -> list[bytes]:
        if self.done:
            raise RuntimeError("FrameSplitter is done: websockets reads the rest")
        self._chunks.append(data)
        self._have += len(data)
        if self._have < self._need:
            return []
        buf = self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
        messages: list[bytes] = []
        i = self._frames(buf, messages)
        rest = buf[i:] if i else buf
        self._chunks = [rest] if rest else []
        self._have = len(rest)
        if self.done:
            self._chunks, self._have = [], 0
        return messages

    def _frames(self, buf: bytes, messages: list[bytes]) -> int:
        """Parse whole frames from the start of `buf`; the offset where parsing stopped."""
        i, n = 0, len(buf)
        while True:
            head = _header(buf, i, n)
            if head is None:  # the header's length: 2, 4 or 10 bytes
                self._need = 2 if n - i < 2 else _HEAD_SIZE.get(buf[i + 1] & 0x7F, 2)
                return i
            b0, length, start = head
            opcode = b0 & 0x0F
            if b0 & 0x70 or length < 0 or not (opcode <= 2 or opcode in _CONTROL):
                self.handoff = buf[i:]  # RSV bits, masked, close or unknown: websockets
                return n
            if opcode <= 2 and not self._data_ok(opcode, length):
                return n
            end = start + length
            if end > n:  # wait for the whole frame
                self._need = end - i
                return i
            if opcode <= 2:
                self._data(b0, buf[start:end], messages)
            elif b0 & 0x80 and length <= 125:
                self.controls.append(buf[i:end])
            else:  # a fragmented or oversized control frame: websockets fails it
                self.handoff = buf[i:]
                return n
            i = end

    def _data_ok(self, opcode: int, length: int) -> bool:
        """Check a data frame's header against the open message and `max_size`."""
        if opcode and self._parts:
            self.failure = (CloseCode.PROTOCOL_ERROR, "expected a continuation frame")
            return False
        if not opcode and not self._parts:
            self.failure = (CloseCode.PROTOCOL_ERROR, "unexpected continuation frame")
            return False
        if self._max is not None and self._size + length > self._max:
            size = self._size + length
            self.failure = (CloseCode.MESSAGE_TOO_BIG, f"over size limit ({size} > {self._max})")
            return False
        return True

    def _data(self, b0: int, payload: bytes, messages: list[bytes]) -> None:
        if b0 & 0x80:  # FIN
            if self._parts:
                self._parts.append(payload)
                payload = b"".join(self._parts)
                self._parts, self._size = [], 0
            messages.append(payload)
        else:
            self._parts.append(payload)  # (an empty first fragment opens a message too)
            self._size += len(payload)


def _header(buf: bytes, i: int, n: int) -> tuple[int, int, int] | None:
    """(first byte, payload length, payload offset) of the frame at `i`; None while the
    header is incomplete; length -1 for a masked frame (a server must not mask)."""
    if n - i < 2:
        return None
    b1 = buf[i + 1]
    length = b1 & 0x7F
    start = i + 2
    if length == 126:
        if n - start < 2:
            return None
        length = int.from_bytes(buf[start : start + 2], "big")
        start += 2
    elif length == 127:
        if n - start < 8:
            return None
        length = int.from_bytes(buf[start : start + 8], "big")
        start += 8
        if length >> 63:  # the most significant bit must be 0
            return buf[i], -1, start
    return buf[i], (-1 if b1 & 0x80 else length), start


class LeanConnection(ClientConnection):
    """websockets' client connection whose data frames are read by `FrameSplitter` once
    the handshake is done; `next_message()` returns them (bytes, text or binary)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._splitter: FrameSplitter | None = None
        self._head = b""  # the HTTP response so far
        self._inbox: collections.deque[bytes] = collections.deque()
        self._wake: asyncio.Future[None] | None = None
        self._reading_paused = False
        self._lost = False

    def data_received(self, data: bytes) -> None:
        splitter = self._splitter
        if splitter is None:
            self._before_open(data)
            return
        if splitter.done:
            super().data_received(data)
            return
        messages = splitter.feed(data)
        if messages:
            self._inbox.extend(messages)
            self._wakeup()
            if len(self._inbox) > QUEUE_HIGH and not self._reading_paused:
                self._reading_paused = True
                self.transport.pause_reading()
        if splitter.controls:
            controls, splitter.controls = splitter.controls, []
            for frame in controls:
                super().data_received(frame)
        if splitter.done:
            self._end_lean(splitter)

    def _before_open(self, data: bytes) -> None:
        """Give websockets the HTTP response head only; frames after it are ours."""
        head = self._head + data
        end = head.find(b"\r\n\r\n")
        if end < 0 and len(head) < _HEAD_MAX:
            self._head = head
            return
        cut = end + 4 if end >= 0 else len(head)
        self._head = b""
        super().data_received(head[:cut])
        if self.protocol.state is OPEN:
            self._splitter = FrameSplitter(self.protocol.max_message_size)
            if len(head) > cut:
                self.data_received(head[cut:])
        elif len(head) > cut:
            super().data_received(head[cut:])  # a refusal's body: websockets reads it

    def _end_lean(self, splitter: FrameSplitter) -> None:
        if splitter.failure is not None:
            code, reason = splitter.failure
            self.protocol.fail(code, reason)
            self.send_data()
            self.transport.close()
        elif splitter.handoff:
            super().data_received(splitter.handoff)
        self._wakeup()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._lost = True
        self._wakeup()

    def _wakeup(self) -> None:
        wake = self._wake
        if wake is not None and not wake.done():
            wake.set_result(None)

    async def next_message(self) -> bytes:
        """The next data message (text or binary, as bytes); raises websockets'
        `ConnectionClosed` once the connection is closed and every message was read."""
        inbox = self._inbox
        while True:
            if inbox:
                message = inbox.popleft()
                if self._reading_paused and len(inbox) < QUEUE_LOW:
                    self._reading_paused = False
                    self.transport.resume_reading()
                return message
            splitter = self._splitter
            if self._lost or splitter is None or splitter.done:
                data = await self.recv(decode=False)
                return data if isinstance(data, bytes) else data.encode()
            self._wake = self.loop.create_future()
            await self._wake
