"""One simulated browser: an httpx client with its own session cookie that sends the CSRF header
like the SPA, and one graphql-transport-ws socket for subscriptions."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin, Subprotocol

from backend.auth.tokens import CSRF_COOKIE
from bench import documents
from bench.wire import WireClient

PROTOCOL = Subprotocol("graphql-transport-ws")


class BenchError(RuntimeError):
    """The portal answered something a browser would treat as a failure."""


@dataclass
class Message:
    at: float  # perf_counter() when the frame arrived
    type: str
    payload: Any


@dataclass
class Subscription:
    id: str
    queue: asyncio.Queue[Message] = field(default_factory=asyncio.Queue)

    async def next(self, timeout: float) -> Message:
        message = await asyncio.wait_for(self.queue.get(), timeout)
        if message.type == "error":
            raise BenchError(f"subscription error: {message.payload}")
        if message.type == "complete":
            raise BenchError("subscription completed early")
        errors = (message.payload or {}).get("errors")
        if errors:
            raise BenchError(f"subscription errors: {errors}")
        return message


class SocketClient:
    """A graphql-transport-ws connection multiplexing this user's subscriptions."""

    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._subscriptions: dict[str, Subscription] = {}
        self._ids = itertools.count(1)
        self._reader = asyncio.create_task(self._read(), name="ws-reader")

    @classmethod
    async def open(cls, ws_url: str, origin: str, cookie: str) -> SocketClient:
        ws = await connect(
            ws_url,
            subprotocols=[PROTOCOL],
            origin=Origin(origin),
            additional_headers={"Cookie": cookie},
            proxy=None,
            max_size=8 * 1024 * 1024,
        )
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if ack.get("type") != "connection_ack":
            await ws.close()
            raise BenchError(f"no connection_ack: {ack}")
        return cls(ws)

    async def _read(self) -> None:
        async for frame in self._ws:
            at = time.perf_counter()
            message = json.loads(frame)
            kind = message.get("type")
            if kind == "ping":
                await self._ws.send(json.dumps({"type": "pong"}))
                continue
            subscription = self._subscriptions.get(message.get("id", ""))
            if subscription is not None:
                subscription.queue.put_nowait(Message(at, kind, message.get("payload")))
                if kind in ("complete", "error"):
                    self._subscriptions.pop(subscription.id, None)

    async def subscribe(self, query: str, variables: dict[str, Any]) -> Subscription:
        subscription = Subscription(str(next(self._ids)))
        self._subscriptions[subscription.id] = subscription
        await self._ws.send(
            json.dumps(
                {
                    "id": subscription.id,
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables},
                }
            )
        )
        return subscription

    def forget(self, subscription: Subscription) -> None:
        """Stop routing frames to it (the server completes it on its own)."""
        self._subscriptions.pop(subscription.id, None)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader


class PortalClient:
    """HTTP side: cookies kept per client, X-CSRF-Token read from the portal_csrf cookie. Signing
    in goes through httpx (cookies are set there); after it, requests go through a lean
    keep-alive connection carrying the same cookies and CSRF header (bench/wire.py)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        # uvicorn closes keep-alive connections idle for 5 s: let them go first, or a request sent
        # just as the server closes its end fails with a ReadError.
        self.http = httpx.AsyncClient(
            base_url=base_url, timeout=60.0, trust_env=False, limits=httpx.Limits(keepalive_expiry=3.0)
        )
        self.socket: SocketClient | None = None
        self.wire: WireClient | None = None
        self.account_id: str | None = None

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        if self.wire is not None:
            body = await self.wire.graphql(query, variables or {})
        else:
            headers = {}
            token = self.http.cookies.get(CSRF_COOKIE)
            if token:
                headers["X-CSRF-Token"] = token
            response = await self.http.post(
                "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
            )
            if response.status_code != 200:
                raise BenchError(f"HTTP {response.status_code}: {response.text[:500]}")
            body = response.json()
        if body.get("errors"):
            raise BenchError(f"GraphQL errors: {body['errors']}")
        data: dict[str, Any] = body["data"]
        return data

    async def sign_in(self, email: str, password: str) -> None:
        login = (await self.gql(documents.LOGIN, {"input": {"email": email, "password": password}}))["login"]
        if login["__typename"] != "LoginSuccess":
            raise BenchError(f"login failed: {login}")
        self.wire = WireClient(
            self.base_url,
            {"Cookie": self._cookie_header(), "X-CSRF-Token": self.http.cookies.get(CSRF_COOKIE) or ""},
        )
        me = (await self.gql(documents.ME_ACCOUNTS))["me"]
        self.account_id = next(
            (m["account"]["id"] for m in me["memberships"] if m["account"]["kind"] == "CUSTOMER"), None
        )

    async def open_socket(self) -> None:
        origin = self.base_url.rstrip("/")
        ws_url = origin.replace("http://", "ws://", 1) + "/graphql"
        self.socket = await SocketClient.open(ws_url, origin, self._cookie_header())

    def _cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self.wire is not None:
            await self.wire.close()
        await self.http.aclose()
