"""Engines and sessions.

SQLite: write transactions start with BEGIN IMMEDIATE (a deferred transaction that later writes
fails with SQLITE_BUSY instead of waiting); reads use a second engine in autocommit, so they never
queue behind writers (WAL) and always see the latest commit. PostgreSQL: one pool, READ COMMITTED,
reads in autocommit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_

from backend.db.driver import DriverPool, after_commit, committed_hooks

__all__ = ["Database", "after_commit"]


def _sqlite_engine(url: str, *, immediate: bool) -> AsyncEngine:
    # Reads run in autocommit (each statement sees the latest commit, no BEGIN/ROLLBACK round trips
    # through aiosqlite's thread); writes take the write lock up front.
    engine = create_async_engine(
        url,
        connect_args={"timeout": 30},
        pool_size=5,
        max_overflow=10,
        pool_reset_on_return="rollback" if immediate else None,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's BEGIN (below) be the only transaction control.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    if immediate:

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _check_at_checkout(engine: AsyncEngine) -> None:
    """A connection left mid-operation by a cancelled request (a closed subscription) is replaced
    at checkout instead of failing the next request that gets it. This is SQLAlchemy's pre-ping in
    one round trip: its asyncpg ping wraps the probe in BEGIN … ROLLBACK (for pgbouncer's
    transaction mode, which the portal does not use), three round trips on every checkout."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _probe(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        try:
            await_(record.driver_connection.fetchrow(";"))
        except Exception as exc:
            raise DisconnectionError(f"connection failed its checkout probe: {exc}") from exc


class Database:
    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.dialect = "sqlite" if self.is_sqlite else "postgresql"
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, immediate=True)
            self.read_engine = _sqlite_engine(url, immediate=False)
        else:
            self.engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)
            _check_at_checkout(self.engine)
            # Reads on the same pool in autocommit: under READ COMMITTED a transaction gives a
            # read-only session no stronger view (each statement sees the latest commit either
            # way), and it saves the BEGIN and the ROLLBACK round trips of every request.
            self.read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)
        # Prebuilt statements on hot paths run here (backend/db/driver.py).
        # Half the ORM pool: one hot statement holds a connection for well under a millisecond.
        self.driver = DriverPool(url, self.engine, self.read_engine, max(4, pool_size // 2))

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction, committed on success and rolled back on error; hooks
        registered with after_commit() run once the commit succeeded."""
        async with self.sessions() as session:
            async with session.begin():
                yield session
            for hook in committed_hooks(session):
                await hook()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self.read_sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.driver.close()
        await self.engine.dispose()
        if self.is_sqlite:  # on PostgreSQL the read engine shares the write engine's pool
            await self.read_engine.dispose()
