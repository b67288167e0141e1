"""Prebuilt statements run on the database driver itself, for the hottest paths.

A hot path (product activation: installed products phone home) builds its Core statements once.
On PostgreSQL each is compiled once to the SQL text asyncpg receives and runs on a small pool of
plain asyncpg connections: no ORM, no SQLAlchemy execution layer, no pre-ping and no reset query
per use (these statements never change session state, and asyncpg rolls back an unfinished
transaction itself when a cancelled request returns its connection). On SQLite the same statements
run as SQLAlchemy Core on the write engine, whose driver sits in a thread behind aiosqlite anyway.
"""

from __future__ import annotations

import asyncio
import enum
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import cached_property
from typing import Any, Protocol, TypeVar, cast

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler

_ASYNCPG = asyncpg_dialect()  # type: ignore[no-untyped-call]


def _driver_value(value: Any) -> Any:
    # What SQLAlchemy's bind processors do for these column types: enums are stored by value,
    # JSON columns take text.
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return json.dumps(value)
    return value


class Prepared:
    """One Core statement, with its asyncpg SQL text and parameter order worked out once."""

    def __init__(self, statement: ClauseElement, column_keys: list[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = column_keys

    @cached_property
    def _compiled(self) -> tuple[str, list[str], dict[str, Any]]:
        # On first use: a SQLite-only statement is never compiled for PostgreSQL.
        compiled = self.statement.compile(dialect=_ASYNCPG, column_keys=self.column_keys)
        # Values written into the statement itself (`status == DRAFT`, `limit(1)`) are binds with
        # a value: sent as written. A bind without one must come from the caller (KeyError if not).
        binds = cast(SQLCompiler, compiled).binds
        fixed = {name: bind.effective_value for name, bind in binds.items() if not bind.required}
        return str(compiled), list(cast(SQLCompiler, compiled).positiontup or []), fixed

    @property
    def sql(self) -> str:
        return self._compiled[0]

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        _, names, fixed = self._compiled
        # A name in neither raises KeyError: a bind without a value the caller did not pass.
        return [_driver_value(params[name] if name in params else fixed[name]) for name in names]


class DriverTransaction(Protocol):
    async def one(self, prepared: Prepared, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Run the statement; its first row (by column name), or None."""

    async def all(self, prepared: Prepared, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """Run the statement; all its rows (by column name)."""


class _Asyncpg:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def one(self, prepared: Prepared, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return await self.conn.fetchrow(prepared.sql, *prepared.args(params))  # type: ignore[no-any-return]

    async def all(self, prepared: Prepared, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        return await self.conn.fetch(prepared.sql, *prepared.args(params))  # type: ignore[no-any-return]


class _Core:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def one(self, prepared: Prepared, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        result = await self.conn.execute(cast(Executable, prepared.statement), dict(params))
        return cast(Mapping[str, Any], result.mappings().first()) if result.returns_rows else None

    async def all(self, prepared: Prepared, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        result = await self.conn.execute(cast(Executable, prepared.statement), dict(params))
        return list(cast(Iterable[Mapping[str, Any]], result.mappings())) if result.returns_rows else []


# What a connection that died under the pool raises on its next use (InternalClientError: the
# server's termination notice arrived while the connection sat idle and left its protocol state
# broken).
_CONNECTION_LOST = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.InternalClientError,
    OSError,
)
T = TypeVar("T")
APPLICATION_NAME = "portal-driver"


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """Pool reset: nothing to undo (see the module docstring); saves a round trip per use."""


class DriverPool:
    """Opened on first use, so processes that never take a hot path hold no extra connections."""

    def __init__(self, url: str, engine: AsyncEngine, read_engine: AsyncEngine, max_size: int) -> None:
        self.engine = engine
        self.read_engine = read_engine
        self.is_sqlite = url.startswith("sqlite")
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn,
                    min_size=1,
                    max_size=self._max_size,
                    reset=_keep_session,
                    server_settings={"application_name": APPLICATION_NAME},  # for pg_stat_activity
                )
        return self._pool

    async def run(self, work: Callable[[DriverTransaction], Awaitable[T]], *, transaction: bool = True) -> T:
        """`work` in one transaction, or with transaction=False as single autocommit statements
        (reads that need no snapshot spanning statements: no BEGIN or COMMIT round trips).

        This pool probes no connection before handing it out (that round trip is what it saves).
        A connection found dead instead — after a database restart every idle one is — makes the
        pool drop all its connections, and `work` runs once more on a fresh one, so `work` must be
        safe to run again (nothing of a failed attempt was committed, or its effect is idempotent)."""
        if self.is_sqlite:
            async with self.engine.begin() if transaction else self.read_engine.connect() as sa_conn:
                return await work(_Core(sa_conn))
        pool = self._pool or await self._open()
        for attempt in range(2):
            try:
                async with pool.acquire() as conn:
                    if not transaction:
                        return await work(_Asyncpg(conn))
                    async with conn.transaction():
                        return await work(_Asyncpg(conn))
            except _CONNECTION_LOST:
                if attempt:
                    raise
                await pool.expire_connections()
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
