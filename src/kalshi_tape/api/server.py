"""`ApiServer`: the API on a loopback port in a background thread (tests, benchmarks)."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from kalshi_tape.core.serving import ThreadedServer, free_port

__all__ = ["ApiServer", "free_port"]


class ApiServer(ThreadedServer):
    """with ApiServer(create_app(settings)) as server: httpx.get(server.url + "/healthz")"""

    name = "api"

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.app = app

    @property
    def url(self) -> str:
        return self.root_url

    def uvicorn_config(self) -> uvicorn.Config:
        return uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_level="warning",
            access_log=False,
            proxy_headers=False,  # per-address limits use the peer, never a forged header
            lifespan="on",
        )
