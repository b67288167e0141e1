"""The app on a real TCP socket (uvicorn in the test's event loop) and a graphql-transport-ws client:
subscriptions are tested over a real WebSocket, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
import websockets

from backend.auth.tokens import SESSION_COOKIE
from tests.support import GraphQLClient, free_port

UPDATED = "subscription U($id: ID!) { keyRequestUpdated(id: $id) { id status keys { activationKey } } }"


@contextlib.asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    """Serve the already started app (its lifespan runs in the fixture) on 127.0.0.1 as `portal serve`
    does (the proxy options from its settings); the base URL."""
    port = free_port()
    settings = app.state.portal.settings
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="warning",
            ws="websockets-sansio",
            **settings.proxy_options,
        )
    )
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started:
                break
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        assert server.started, "uvicorn did not start"
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def session_cookie(client: GraphQLClient) -> str:
    token = client.http.cookies.get(SESSION_COOKIE)
    assert token, "sign in first"
    return f"{SESSION_COOKIE}={token}"


@contextlib.asynccontextmanager
async def socket(
    host: str, cookie: str | None, origin: str | None = None
) -> AsyncIterator[websockets.ClientConnection]:
    """An acknowledged graphql-transport-ws connection, with the browser's Origin by default."""
    headers = {"Origin": origin if origin is not None else f"http://{host}"}
    if cookie:
        headers["Cookie"] = cookie
    async with websockets.connect(
        f"ws://{host}/graphql",
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        additional_headers=headers,
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        yield ws


async def subscribe(ws: websockets.ClientConnection, key_request_id: str, op_id: str = "1") -> None:
    await ws.send(
        json.dumps(
            {
                "id": op_id,
                "type": "subscribe",
                "payload": {"query": UPDATED, "variables": {"id": key_request_id}},
            }
        )
    )


async def receive(ws: websockets.ClientConnection, timeout: float = 20) -> dict[str, Any]:
    """The next message (a wait bound against a hang, not a timing assertion)."""
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return message


async def first_answer(host: str, cookie: str | None, key_request_id: str) -> dict[str, Any]:
    """The first message a fresh subscription to the key request gets."""
    async with socket(host, cookie) as ws:
        await subscribe(ws, key_request_id)
        return await receive(ws)
