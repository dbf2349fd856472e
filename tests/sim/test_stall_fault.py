"""Fault `ws_stall_after`: a connection goes silent without closing — no frames, no pongs."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets
from websockets.protocol import State

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.sim.config import Faults
from kalshi_tape.sim.server import SimServer

from .conftest import frozen_config


async def test_a_stalled_connection_stays_open_but_answers_nothing() -> None:
    with SimServer(frozen_config(faults=Faults(ws_stall_after=2))) as server:
        # close_timeout: the stalled server will not answer the close handshake either
        async with websockets.connect(server.ws_url, ping_interval=None, close_timeout=0.5) as ws:
            sub = {"channels": ["market_lifecycle_v2"]}
            await ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": sub}))
            await asyncio.wait_for(ws.recv(), 5)  # frame 1: the ack
            await ws.send(json.dumps({"id": 2, "cmd": "list_subscriptions"}))
            await asyncio.wait_for(ws.recv(), 5)  # frame 2: then silence
            await ws.send(json.dumps({"id": 3, "cmd": "list_subscriptions"}))
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(ws.recv(), 1.0)
            pong = await ws.ping()
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(pong, 1.0)
            assert ws.state is State.OPEN
        stats = httpx.get(f"{server.admin_url}/stats").json()["ws"]
    assert stats["stalls"] == 1 and stats["frames_sent"] == 2 and stats["disconnects"] == 0


async def test_without_the_fault_the_same_connection_answers_pings() -> None:
    with SimServer(frozen_config()) as server:
        async with websockets.connect(server.ws_url, ping_interval=None) as ws:
            await ws.send(json.dumps({"id": 1, "cmd": "list_subscriptions"}))
            await asyncio.wait_for(ws.recv(), 5)
            await asyncio.wait_for(await ws.ping(), 2.0)


def test_ws_stall_after_is_a_whole_number_of_frames() -> None:
    assert Faults.parse("ws_stall_after=5").ws_stall_after == 5
    with pytest.raises(ConfigError):
        Faults.parse("ws_stall_after=-1")
