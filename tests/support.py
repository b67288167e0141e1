"""Test helpers: a GraphQL client over the real ASGI app, and PostgreSQL/SMTP plumbing."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from backend.auth.tokens import CSRF_COOKIE
from backend.db.driver import Prepared
from backend.portal import Portal


class GraphQLClient:
    """One browser-like client: keeps cookies and sends the CSRF header like the SPA does."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def raw(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        csrf: bool = True,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        sent = dict(headers or {})
        token = self.http.cookies.get(CSRF_COOKIE)
        if csrf and token:
            sent["X-CSRF-Token"] = token
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=sent
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        body = await self.raw(query, variables, **kwargs)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def login(self, email: str, password: str) -> dict[str, Any]:
        data = await self(LOGIN, {"input": {"email": email, "password": password}})
        result: dict[str, Any] = data["login"]
        return result


LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) {
    __typename
    ... on LoginSuccess { user { id email } }
    ... on UserError { code message field }
    ... on RateLimited { retryAfterSeconds }
  }
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """A real SMTP server (aiosmtpd) that keeps what it receives."""

    messages: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def start_smtp() -> tuple[Controller, Mailbox, str]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, mailbox, f"smtp://127.0.0.1:{port}"


async def eventually(
    check: Callable[[], Awaitable[Any]], timeout: float = 15.0, interval: float = 0.02
) -> Any:
    """Wait until check() returns something truthy (a wait, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached within {timeout}s; last value {value!r}")
        await asyncio.sleep(interval)


# ---------------------------------------------------------------- PostgreSQL


def pg_admin_url() -> str | None:
    return os.environ.get("PORTAL_TEST_DATABASE_URL")


async def create_database(admin_url: str) -> str:
    name = f"portal_test_{uuid.uuid4().hex[:12]}"
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    await engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await engine.dispose()


@contextlib.contextmanager
def statements(portal: Portal) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs, on both of the portal's engines and, on
    PostgreSQL, straight through the driver (`Prepared.args` runs once per such statement)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    args = Prepared.args

    def counted(prepared: Prepared, params: Any) -> list[Any]:
        seen.append(prepared.sql)
        return args(prepared, params)

    # One listener per pool: PostgreSQL's read engine is the write engine with other options (its
    # events are the write engine's), SQLite's has a pool of its own.
    engines = {id(e.sync_engine.pool): e for e in (portal.db.engine, portal.db.read_engine)}.values()
    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", count)
    Prepared.args = counted  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        Prepared.args = args  # type: ignore[method-assign]
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
