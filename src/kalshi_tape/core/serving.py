"""An ASGI app served by uvicorn on a loopback port in a background thread (the simulator
and the API in tests, demos and benchmarks), and the socket helpers both CLIs share."""

from __future__ import annotations

import errno
import socket
import threading
import time
from typing import Self

import uvicorn

from kalshi_tape.core.closing import Closing
from kalshi_tape.core.errors import ConfigError

START_TIMEOUT_S = 10.0


class ThreadedServer(Closing):
    """Runs `config`'s app on host:port (port 0: a free one, known before start)."""

    name = "server"  # thread name and error key

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def uvicorn_config(self) -> uvicorn.Config:
        raise NotImplementedError

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        sock = bind_socket(self.host, self.port)  # a busy port fails here, clearly
        self._server = server = uvicorn.Server(self.uvicorn_config())
        self._thread = threading.Thread(
            target=server.run, args=([sock],), name=f"ktape-{self.name}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ConfigError(self.name, f"failed to start on {self.host}:{self.port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10.0)
            self._thread = None

    close = stop  # what `with` calls on the way out (Closing)

    def __enter__(self) -> Self:
        return self.start()


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket on host:port (port 0: the OS picks a free one).

    Binding before the server starts lets callers print the real port and fail early,
    with a clear ConfigError, when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = "port already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise ConfigError("port", f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
