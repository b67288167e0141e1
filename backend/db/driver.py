"""Prebuilt statements run on the database driver itself, for the hottest paths.

A hot path (product activation, the Get a Key wizard and its job, the per-request reads of
backend/loaders.py: decision records 0008 and 0010) builds its Core statements once.
On PostgreSQL each is compiled once to the SQL text asyncpg receives and runs on a small pool of
plain asyncpg connections: no ORM, no SQLAlchemy execution layer, no pre-ping and no reset query
per use (these statements never change session state, and asyncpg rolls back an unfinished
transaction itself when a cancelled request returns its connection). On SQLite the same statements
run as SQLAlchemy Core on the write engine, whose driver sits in a thread behind aiosqlite anyway.
Rows come back as SQLAlchemy would deliver them (the columns' result processing applied, JSON
decoded), so entity() can make them into the ORM instances the rest of the code expects.
"""

from __future__ import annotations

import asyncio
import enum
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import cached_property
from typing import Any, Protocol, TypeVar, cast

import asyncpg
from sqlalchemy import ARRAY, ColumnElement, Table, any_, bindparam, inspect
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import Result, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state, manager_of_class
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
        compiled = cast(SQLCompiler, self.statement.compile(dialect=_ASYNCPG, column_keys=self.column_keys))
        # Values written into the statement itself (`status == DRAFT`, `limit(1)`) are binds with
        # a value: sent as written. A bind without one must come from the caller (KeyError if not).
        fixed = {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required}
        self._result_columns = [(column[0], column[3]) for column in compiled._result_columns]
        return str(compiled), list(compiled.positiontup or []), fixed

    @cached_property
    def _processors(self) -> list[tuple[str, Callable[[Any], Any] | None]] | None:
        """What SQLAlchemy does to each result column (enums from their stored text, UTC
        datetimes); None when no column needs anything (asyncpg's records are used as they are)."""
        self._compiled  # noqa: B018 — compiles, which records the result columns
        processors: list[tuple[str, Callable[[Any], Any] | None]] = [
            (key, type_._cached_result_processor(_ASYNCPG, None)) for key, type_ in self._result_columns
        ]
        return processors if any(process for _, process in processors) else None

    def row(self, record: Mapping[str, Any]) -> Mapping[str, Any]:
        """A result row as SQLAlchemy would deliver it."""
        processors = self._processors
        if processors is None:
            return record
        values = tuple(record.values())
        return {
            key: value if process is None or value is None else process(value)
            for (key, process), value in zip(processors, values, strict=True)
        }

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
        record = await self.conn.fetchrow(prepared.sql, *prepared.args(params))
        return None if record is None else prepared.row(record)

    async def all(self, prepared: Prepared, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        return [
            prepared.row(record) for record in await self.conn.fetch(prepared.sql, *prepared.args(params))
        ]


class _Core:
    def __init__(self, conn: AsyncConnection | AsyncSession) -> None:
        self.conn = conn

    async def _execute(self, prepared: Prepared, params: Mapping[str, Any]) -> Result[Any] | None:
        """The result, or None for a statement that returns no rows (a session answers a SELECT
        with a result that has no `returns_rows`: it always has rows)."""
        result = await self.conn.execute(cast(Executable, prepared.statement), dict(params))
        return result if getattr(result, "returns_rows", True) else None

    async def one(self, prepared: Prepared, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        result = await self._execute(prepared, params)
        return None if result is None else cast(Mapping[str, Any], result.mappings().first())

    async def all(self, prepared: Prepared, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        result = await self._execute(prepared, params)
        return [] if result is None else list(cast(Iterable[Mapping[str, Any]], result.mappings()))


def as_driver_transaction(transaction: AsyncSession | AsyncConnection) -> DriverTransaction:
    """Driver statements inside a session's or connection's transaction, so code written for a
    DriverTransaction also serves callers that hold one."""
    return _Core(transaction)


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
E = TypeVar("E")
APPLICATION_NAME = "portal-driver"


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """Pool reset: nothing to undo (see the module docstring); saves a round trip per use."""


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


async def _json_codecs(conn: asyncpg.Connection) -> None:
    """JSON columns read as Python values, as through SQLAlchemy (parameters arrive as text, see
    _driver_value)."""
    for name in ("json", "jsonb"):
        await conn.set_type_codec(name, encoder=_json_text, decoder=json.loads, schema="pg_catalog")


def ids_match(column: Any, dialect: str, name: str = "ids") -> ColumnElement[bool]:
    """`column` is one of the list parameter `name`, in a form compiled once: on PostgreSQL
    `= ANY(:name)` with one array parameter, elsewhere an expanding IN (SQLite runs Core)."""
    if dialect == "postgresql":
        return cast(ColumnElement[bool], column == any_(bindparam(name, type_=ARRAY(column.type))))
    return cast(ColumnElement[bool], column.in_(bindparam(name, expanding=True)))


def prefixed(table: Table, prefix: str) -> list[Any]:
    """A table's columns labelled `prefix + name`, for entity(..., prefix=) on a join."""
    return [column.label(prefix + column.name) for column in table.c]


def entity(model: type[E], row: Mapping[str, Any], prefix: str = "") -> E:
    """An ORM instance of `model` from a driver row holding its table's columns (named
    `prefix + column name`), detached as if read and closed in a session; other columns are
    ignored. Made as the ORM's own loading makes instances (no __init__, no attribute events):
    a third of the cost of the constructor."""
    instance: E = manager_of_class(model).new_instance()
    instance_state(instance).dict.update({key: row[prefix + name] for name, key in _column_keys(model)})
    make_transient_to_detached(instance)
    return instance


_COLUMN_KEYS: dict[type[Any], list[tuple[str, str]]] = {}


def _column_keys(model: type[Any]) -> list[tuple[str, str]]:
    """(column name, attribute name) of every mapped column, worked out once per model."""
    keys = _COLUMN_KEYS.get(model)
    if keys is None:
        keys = _COLUMN_KEYS[model] = [
            (attr.columns[0].name, attr.key) for attr in inspect(model).column_attrs
        ]
    return keys


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
                    init=_json_codecs,
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
