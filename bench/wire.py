"""A lean HTTP/1.1 keep-alive client for the benchmark's hot loops.

The load generator shares the machine's two cores with the server and PostgreSQL. A general
client (httpx) spends about as much CPU per request as the server spends answering a small
query, so on this machine it capped what the server could show. This client writes a prepared
request and reads one Content-Length response on a kept-alive connection: tens of microseconds
per request, so the figures are the server's. Sign-in and WebSockets still go through httpx and
websockets; only the measured requests come through here."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any
from urllib.parse import urlsplit

IDLE_RECONNECT = 3.0  # uvicorn closes connections idle for 5 s: let them go before it does


class WireError(RuntimeError):
    pass


class WireClient:
    """One connection; requests go one after another, like one browser tab's fetches."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self._fixed = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._last_used = 0.0

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._writer is not None and time.monotonic() - self._last_used > IDLE_RECONNECT:
            await self.close()
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def post(self, path: str, body: bytes, content_type: str = "application/json") -> tuple[int, bytes]:
        reader, writer = await self._connection()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self._fixed}"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + body)
        try:
            status_and_headers = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            await self.close()
            raise WireError(f"connection closed before the response to {path}") from exc
        lines = status_and_headers.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, close = None, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
            elif name == "transfer-encoding":
                raise WireError(f"unexpected Transfer-Encoding on {path}: {value.strip()}")
        if length is None:
            raise WireError(f"response to {path} has no Content-Length")
        payload = await reader.readexactly(length)
        self._last_used = time.monotonic()
        if close:
            await self.close()
        return status, payload

    async def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        status, payload = await self.post(
            "/graphql", json.dumps({"query": query, "variables": variables}).encode()
        )
        if status != 200:
            raise WireError(f"HTTP {status}: {payload[:500]!r}")
        body: dict[str, Any] = json.loads(payload)
        return body

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()
