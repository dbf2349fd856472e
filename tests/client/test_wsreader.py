"""The lean WebSocket receive path (`client/stream/wsreader.py`): frames encoded by
websockets' own serializer, split at random points, come out as the same messages, ping and
pong frames go to websockets whole, anything else is handed over or fails closed; over a
real loopback server: fragmented messages, ping -> pong, the close handshake, oversize."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import Close, CloseCode, Frame, Opcode

from kalshi_tape.client.stream import Connected, Disconnected
from kalshi_tape.client.stream.connection import Connection, ConnectionOptions
from kalshi_tape.client.stream.wsreader import FrameSplitter

# sizes around every length encoding: 7-bit (<= 125), 16-bit (126..65535), 64-bit
SIZES = st.sampled_from([0, 1, 125, 126, 127, 300, 65_535, 65_536, 70_000]) | st.integers(0, 400)


def _frame(opcode: Opcode, data: bytes, fin: bool = True, *, mask: bool = False) -> bytes:
    return Frame(opcode, data, fin).serialize(mask=mask, extensions=[])


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """(wire frames, expected messages, expected control frames)."""
    frames: list[bytes] = []
    messages: list[bytes] = []
    controls: list[bytes] = []
    for _ in range(draw(st.integers(1, 6))):
        size = draw(SIZES)
        data = draw(st.binary(min_size=min(size, 20), max_size=20)) * (size // 20 + 1)
        data = data[:size]
        opcode = draw(st.sampled_from([Opcode.TEXT, Opcode.BINARY]))
        cuts = sorted(draw(st.lists(st.integers(0, size), max_size=3)))
        pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, size], strict=True)]
        for n, piece in enumerate(pieces):
            if draw(st.booleans()):  # a control frame between fragments is allowed
                ping = _frame(draw(st.sampled_from([Opcode.PING, Opcode.PONG])), b"p%d" % n)
                frames.append(ping)
                controls.append(ping)
            frames.append(_frame(opcode if n == 0 else Opcode.CONT, piece, n == len(pieces) - 1))
        messages.append(data)
    return frames, messages, controls


def _split(stream: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(stream)) for c in cuts})
    return [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]


@settings(max_examples=150, deadline=None)
@given(stream=streams(), cuts=st.lists(st.integers(0, 300_000), max_size=40))
def test_messages_survive_any_split(
    stream: tuple[list[bytes], list[bytes], list[bytes]], cuts: list[int]
) -> None:
    frames, messages, controls = stream
    splitter = FrameSplitter(2**24)
    got: list[bytes] = []
    for chunk in _split(b"".join(frames), cuts):
        got += splitter.feed(chunk)
    assert got == messages
    assert splitter.controls == controls
    assert not splitter.done
    splitter = FrameSplitter(2**24)  # frame by frame: a short frame after a long one
    got = [message for frame in frames for message in splitter.feed(frame)]
    assert got == messages and splitter.controls == controls


def _fed(frames: list[bytes], max_size: int | None = 2**24) -> tuple[FrameSplitter, list[bytes]]:
    splitter = FrameSplitter(max_size)
    return splitter, splitter.feed(b"".join(frames))


def test_close_masked_rsv_and_unknown_frames_go_to_websockets() -> None:
    ok = _frame(Opcode.TEXT, b"a")
    close = Frame(Opcode.CLOSE, Close(1000, "bye").serialize()).serialize(mask=False, extensions=[])
    masked = _frame(Opcode.TEXT, b"m", mask=True)
    rsv = bytes([0xC1, 1]) + b"x"  # FIN + RSV1, text
    unknown = bytes([0x83, 0])  # opcode 3
    stray = _frame(Opcode.CONT, b"c")  # a continuation with no message open
    long_ping = bytes([0x89, 126, 0, 126]) + b"p" * 126  # control frames hold <= 125 bytes
    huge = bytes([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1])  # 64-bit length with the top bit set
    for bad in (close, masked, rsv, unknown, long_ping, huge):
        splitter, got = _fed([ok, bad, ok])
        assert got == [b"a"] and splitter.handoff == bad + ok and splitter.failure is None
    splitter, got = _fed([ok, stray])
    assert got == [b"a"] and splitter.failure == (
        CloseCode.PROTOCOL_ERROR,
        "unexpected continuation frame",
    )


def test_a_new_message_inside_a_fragmented_one_fails() -> None:
    first = _frame(Opcode.TEXT, b"a", fin=False)
    splitter, got = _fed([first, _frame(Opcode.BINARY, b"b")])
    assert got == [] and splitter.failure == (
        CloseCode.PROTOCOL_ERROR,
        "expected a continuation frame",
    )
    with pytest.raises(RuntimeError):
        splitter.feed(b"")


def test_oversized_messages_fail_before_their_payload_arrives() -> None:
    splitter, got = _fed([bytes([0x82, 127]) + (70_000).to_bytes(8, "big")], max_size=65_536)
    assert got == [] and splitter.failure is not None
    assert splitter.failure[0] == CloseCode.MESSAGE_TOO_BIG
    parts = [_frame(Opcode.TEXT, b"x" * 60, fin=False), _frame(Opcode.CONT, b"y" * 60)]
    splitter, got = _fed(parts, max_size=100)  # each fragment fits, the message does not
    assert got == [] and splitter.failure == (
        CloseCode.MESSAGE_TOO_BIG,
        "over size limit (120 > 100)",
    )
    splitter, got = _fed(parts, max_size=120)
    assert got == [b"x" * 60 + b"y" * 60]


# ---------------------------------------------------------------------- over loopback

Handler = Callable[[ServerConnection], Awaitable[None]]


@asynccontextmanager
async def _server(handler: Handler) -> AsyncIterator[str]:
    async with serve(handler, "127.0.0.1", 0, max_size=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}"


async def _read(url: str, *, lean: bool, max_size: int = 2**24) -> tuple[list[bytes], str]:
    """Every frame one connection yields, and why it ended."""
    options = ConnectionOptions(lean_reader=lean, max_size=max_size, close_timeout=2)
    conn = Connection(url, options=options)
    frames: list[bytes] = []
    async for item in conn.run():
        if isinstance(item, Disconnected):
            await conn.close()
            return frames, item.reason
        if not isinstance(item, Connected):
            frames.append(item[0])
    raise AssertionError("no disconnect")


async def _mixed(ws: ServerConnection) -> None:
    await ws.send("text é")
    await ws.send(b"\x00\x01binary")
    await ws.send(["frag", "mented ", "text"])  # one message in three frames
    await ws.send(b"b" * 70_000)  # a 64-bit length
    pong = await ws.ping(b"are you there")  # the client must answer
    await asyncio.wait_for(pong, 2)
    await ws.send("after the ping")
    await ws.close(1000, "done")  # the close handshake


async def test_real_frames_match_websockets_own_reader() -> None:
    async with _server(_mixed) as url:
        lean = await _read(url, lean=True)
        plain = await _read(url, lean=False)
    expected = [
        "text é".encode(),
        b"\x00\x01binary",
        b"fragmented text",
        b"b" * 70_000,
        b"after the ping",
    ]
    assert lean == plain == (expected, "connection closed (1000)")


async def test_an_oversized_message_closes_with_1009() -> None:
    closed: list[int | None] = []

    async def handler(ws: ServerConnection) -> None:
        await ws.send("small")
        await ws.send("x" * 5_000)
        try:
            await ws.wait_closed()
        finally:
            closed.append(ws.close_code)

    async with _server(handler) as url:
        frames, reason = await _read(url, lean=True, max_size=1_000)
    assert frames == [b"small"]
    assert reason.startswith("connection closed") and closed == [CloseCode.MESSAGE_TOO_BIG]


async def test_a_burst_beyond_the_queue_pauses_reading_and_loses_nothing() -> None:
    async def handler(ws: ServerConnection) -> None:
        for i in range(20_000):
            await ws.send(f'{{"n":{i}}}')
        await ws.close()

    async with _server(handler) as url:
        conn = Connection(url, options=ConnectionOptions(close_timeout=2))
        got = 0
        async for item in conn.run():
            if isinstance(item, Disconnected):
                break
            if not isinstance(item, Connected):
                assert item[0] == f'{{"n":{got}}}'.encode()
                got += 1
                if got % 5_000 == 0:
                    await asyncio.sleep(0.05)  # a slow reader: the inbox fills
        await conn.close()
    assert got == 20_000
