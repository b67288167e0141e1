"""A real `portal serve` process on a free port, with its own data directory."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from pathlib import Path

import httpx

from bench.world import SECRET_KEY


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _portal_command() -> list[str]:
    script = Path(sys.executable).with_name("portal")
    return [str(script)] if script.exists() else [sys.executable, "-m", "backend.cli"]


class Server:
    def __init__(
        self, database_url: str, data_dir: Path, processes: int = 1, env: dict[str, str] | None = None
    ) -> None:
        self.database_url = database_url
        self.env = env or {}  # more PORTAL_* settings for this server
        self.processes = processes
        self.data_dir = data_dir
        self.host = "127.0.0.1"
        self.port = free_port()
        self.log_path = data_dir / "server.log"
        self.process: asyncio.subprocess.Process | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    async def start(self, timeout: float = 60.0) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
        env.update(
            PORTAL_DATABASE_URL=self.database_url,
            PORTAL_DATA_DIR=str(self.data_dir),
            PORTAL_SECRET_KEY=SECRET_KEY,
            PORTAL_ENV="development",
            PORTAL_PUBLIC_URL=self.base_url,
            PORTAL_WORKERS="1",
        )
        env.update(self.env)
        command = [
            *_portal_command(),
            "serve",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--no-demo",
            "--log-level",
            "warning",
            "--processes",
            str(self.processes),
        ]
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                *command, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.base_url, trust_env=False, timeout=2.0) as http:
            while True:
                if self.process.returncode is not None:
                    raise RuntimeError(
                        f"portal serve exited with {self.process.returncode}:\n{self.log_tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get("/healthz")).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    await self.stop()
                    raise RuntimeError(f"portal serve did not become healthy:\n{self.log_tail()}")
                await asyncio.sleep(0.1)

    async def stop(self) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()
