"""`SimServer`: the simulator on a free loopback port in a background thread (tests, demos)."""

from __future__ import annotations

import uvicorn

from kalshi_tape.core.serving import ThreadedServer, bind_socket
from kalshi_tape.sim.app import create_app
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.exchange import Exchange
from kalshi_tape.sim.state import SimState

__all__ = ["SimServer", "bind_socket", "uvicorn_config"]

WS_PING_INTERVAL_S = 10.0


def uvicorn_config(app: object, host: str, port: int, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        ws_ping_interval=WS_PING_INTERVAL_S,
        ws_ping_timeout=30.0,
        ws_max_size=1 << 20,
        lifespan="on",
    )


class SimServer(ThreadedServer):
    """Runs the simulator app with uvicorn on 127.0.0.1.

    with SimServer(SimConfig(seed=7)) as sim:
        httpx.get(f"{sim.base_url}/markets")
    """

    name = "sim"

    def __init__(
        self,
        config: SimConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        exchange: Exchange | None = None,  # e.g. one on an injected clock (tests)
    ):
        super().__init__(host, port)
        self.config = config or SimConfig()
        self.state = SimState(self.config, exchange)
        self.app = create_app(self.config, self.state)

    def uvicorn_config(self) -> uvicorn.Config:
        return uvicorn_config(self.app, self.host, self.port)

    @property
    def exchange(self) -> Exchange:
        return self.state.exchange

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/trade-api/v2"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/trade-api/ws/v2"

    @property
    def admin_url(self) -> str:
        return f"{self.root_url}/_sim"
