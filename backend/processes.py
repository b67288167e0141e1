"""Several web processes on one port.

uvicorn's own supervisor binds one socket and shares it: whichever process wakes first accepts a
whole burst of new connections, so long-lived keep-alive and WebSocket connections pile up on one
process while the other idles. On Linux each process here binds its own socket with SO_REUSEPORT
instead, and the kernel spreads new connections across them by their address hash. Elsewhere
(no load-balancing SO_REUSEPORT) uvicorn's supervisor is used as before."""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import threading
from types import FrameType

import uvicorn

from backend.config import Settings

APP = "backend.app:create_app"
_BACKLOG = 2048  # uvicorn's default
_GRACE_SECONDS = 30


def balanced_by_kernel() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def serve(host: str, port: int, processes: int, log_level: str) -> int:
    if not balanced_by_kernel():
        uvicorn.run(
            APP,
            factory=True,
            workers=processes,
            host=host,
            port=port,
            log_level=log_level,
            **Settings.from_env().proxy_options,
        )
        return 0
    _bind(host, port).close()  # fail here, once, if the port is taken
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_serve_one, args=(host, port, log_level), name=f"web-{i}")
        for i in range(processes)
    ]
    stopping = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.start()
    # A process that dies takes the others down: a supervisor (systemd, a container runtime)
    # restarts the whole service rather than run it short-handed.
    while not stopping.is_set() and all(child.is_alive() for child in children):
        stopping.wait(0.5)
    for child in children:
        if child.is_alive():
            child.terminate()  # SIGTERM: uvicorn finishes its requests and shuts down
    for child in children:
        child.join(_GRACE_SECONDS)
        if child.is_alive():
            child.kill()
            child.join()
    return 0 if stopping.is_set() else 1


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _serve_one(host: str, port: int, log_level: str) -> None:
    sock = _bind(host, port)
    sock.listen(_BACKLOG)
    config = uvicorn.Config(APP, factory=True, log_level=log_level, **Settings.from_env().proxy_options)
    uvicorn.Server(config).run(sockets=[sock])
