"""Several web processes on one port.

uvicorn's own supervisor binds one socket and shares it: whichever process wakes first accepts a
whole burst of new connections, so long-lived keep-alive and WebSocket connections pile up on one
process while the other idles. On Linux each process here binds its own socket with SO_REUSEPORT
instead, and the kernel spreads new connections across them by their address hash. Elsewhere
(no load-balancing SO_REUSEPORT) uvicorn's supervisor is used as before.

A scrape of /metrics lands on whichever process the kernel picks, so the processes share one
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode) and any of them answers for all
(decision record 0020); the supervisor empties it at start, and a process leaving takes its live
gauges out of the sum."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from types import FrameType
from typing import Any

import uvicorn

from backend.config import Settings
from backend.observability import logging as portal_logging

APP = "backend.app:create_app"
_BACKLOG = 2048  # uvicorn's default
# A child's SIGTERM: in-flight requests, then its worker's running job, each at most the shutdown
# grace (25 s by default); after this the child is killed.
_GRACE_SECONDS = 60


def uvicorn_options(settings: Settings, log_level: str) -> dict[str, Any]:
    """uvicorn logs through the portal's handler (request ids, redaction; the portal writes the
    access lines) and, on SIGTERM, waits for in-flight requests at most the shutdown grace."""
    portal_logging.configure(settings.log_format, log_level)
    return {
        "log_config": None,
        "log_level": log_level,
        "access_log": False,
        "timeout_graceful_shutdown": int(settings.shutdown_grace_seconds),
        **settings.proxy_options,
    }


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
    metrics_dir = _metrics_dir()
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
    if metrics_dir is not None:
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0 if stopping.is_set() else 1


def _metrics_dir() -> str | None:
    """A fresh directory for the children's metric files (they inherit the environment), unless
    the operator chose one; it must start empty, or old processes' counts would be summed in."""
    chosen = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if chosen:
        os.makedirs(chosen, exist_ok=True)
        for name in os.listdir(chosen):
            if name.endswith(".db"):
                os.unlink(os.path.join(chosen, name))
        return None
    made = tempfile.mkdtemp(prefix="portal-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    return made


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
    config = uvicorn.Config(APP, factory=True, **uvicorn_options(Settings.from_env(), log_level))
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        from prometheus_client import multiprocess

        # Its live gauges (open subscriptions, pool use) leave the sum with it.
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
