"""The one way domain steps talk to the database: prebuilt statements on a DriverTransaction
(decision record 0012).

A step builds its Core statements once (`Prepared`) and runs them on the transaction it is given.
`Database.driver.run(work)` gives one: on PostgreSQL a plain asyncpg connection from a small pool
of its own (each statement compiled once to the SQL text asyncpg receives; no ORM, no SQLAlchemy
execution layer, no pre-ping or reset query per use — these statements never change session
state, and asyncpg rolls back an unfinished transaction itself when a cancelled request returns
its connection); on SQLite SQLAlchemy Core on the write engine, whose driver sits in a thread
behind aiosqlite anyway. `as_driver_transaction(session)` gives one inside an ORM session's
transaction, for the areas that edit rows through a session. Rows come back as SQLAlchemy would
deliver them (the columns' result processing applied, JSON decoded), so entity() can make them
into the ORM instances the rest of the code expects — through public SQLAlchemy API only."""

from __future__ import annotations

import asyncio
import enum
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any, Protocol, TypeVar, cast

import asyncpg
from sqlalchemy import ARRAY, ColumnElement, Insert, Table, any_, bindparam, func, insert, inspect, select
from sqlalchemy import cast as cast_
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import Result, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import make_transient_to_detached
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
        return str(compiled), list(compiled.positiontup or []), fixed

    @cached_property
    def _processors(self) -> list[Callable[[Any], Any] | None] | None:
        """What SQLAlchemy does to each result column (enums from their stored text, UTC
        datetimes), from the statement's public column collection and each type's public
        result_processor; None when no column needs anything (asyncpg's records serve as they are)."""
        columns = getattr(self.statement, "exported_columns", None) or []
        processors = [
            column.type.dialect_impl(_ASYNCPG).result_processor(_ASYNCPG, None) for column in columns
        ]
        return processors if any(processors) else None

    def row(self, record: asyncpg.Record) -> Mapping[str, Any]:
        """A result row as SQLAlchemy would deliver it."""
        processors = self._processors
        if processors is None:
            return cast(Mapping[str, Any], record)
        return {
            key: value if process is None or value is None else process(value)
            for process, (key, value) in zip(processors, record.items(), strict=True)
        }

    @property
    def sql(self) -> str:
        return self._compiled[0]

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        _, names, fixed = self._compiled
        # A name in neither raises KeyError: a bind without a value the caller did not pass.
        return [_driver_value(params[name] if name in params else fixed[name]) for name in names]

    @cached_property
    def rows_at_once(self) -> Prepared | None:
        """For a plain INSERT of the listed columns: the same INSERT of many rows as one statement
        (PostgreSQL: `INSERT … SELECT * FROM unnest($1::t1[], $2::t2[], …)`, one array per
        column), so that inserting 10,000 rows costs one statement, not 10,000 executions. None
        for any other statement (those run once per parameter set)."""
        statement = self.statement
        if type(statement) is not Insert or not self.column_keys:
            return None
        if sorted(self._compiled[1]) != sorted(self.column_keys):  # a default or a fixed value beside them
            return None
        table = cast(Table, statement.table)
        columns = [table.c[key] for key in self.column_keys]
        arrays = [cast_(bindparam(c.key, type_=ARRAY(c.type)), ARRAY(c.type)) for c in columns]
        rows = func.unnest(*arrays).table_valued(*(c.key for c in columns)).render_derived()
        return Prepared(insert(table).from_select(columns, select(*(rows.c[c.key] for c in columns))))

    def columns_of(self, params: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
        """rows_at_once's parameters: one list per column."""
        assert self.column_keys is not None
        return {key: [_driver_value(p[key]) for p in params] for key in self.column_keys}


class DriverTransaction(Protocol):
    """Where every domain step sends its statements: one transaction (or, for reads, autocommit)
    on asyncpg, on a SQLAlchemy connection, or inside an ORM session's transaction."""

    # "postgresql" or "sqlite": statements with a list parameter are built per dialect (ids_match).
    dialect: str
    # Facts noted during this transaction for later steps in it (the account a partner acted from,
    # noted by the access check and read by the audit).
    notes: dict[Any, Any]

    def after_commit(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run `hook` once this transaction has committed (never after a rollback): publishing an
        event or waking a worker must not announce what may still roll back."""

    async def one(self, prepared: Prepared, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Run the statement; its first row (by column name), or None."""

    async def all(self, prepared: Prepared, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """Run the statement; all its rows (by column name)."""

    async def many(self, prepared: Prepared, params: Sequence[Mapping[str, Any]]) -> None:
        """Run a statement that returns no rows once per parameter set, batched by the driver."""


class _Asyncpg:
    dialect = "postgresql"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.notes: dict[Any, Any] = {}
        self.hooks: list[Callable[[], Awaitable[None]]] = []

    def after_commit(self, hook: Callable[[], Awaitable[None]]) -> None:
        self.hooks.append(hook)

    async def one(self, prepared: Prepared, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        record = await self.conn.fetchrow(prepared.sql, *prepared.args(params))
        return None if record is None else prepared.row(record)

    async def all(self, prepared: Prepared, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        return [
            prepared.row(record) for record in await self.conn.fetch(prepared.sql, *prepared.args(params))
        ]

    async def many(self, prepared: Prepared, params: Sequence[Mapping[str, Any]]) -> None:
        if not params:
            return
        if len(params) == 1:  # one statement: no executemany pipeline to set up
            await self.conn.execute(prepared.sql, *prepared.args(params[0]))
        elif (at_once := prepared.rows_at_once) is not None:
            await self.conn.execute(at_once.sql, *at_once.args(prepared.columns_of(params)))
        else:
            await self.conn.executemany(prepared.sql, [prepared.args(p) for p in params])


class _Core:
    def __init__(self, conn: AsyncConnection | AsyncSession) -> None:
        self.conn = conn
        self.dialect = conn.get_bind().dialect.name if isinstance(conn, AsyncSession) else conn.dialect.name
        # A session's notes live as long as the session (its own steps read them too).
        self.notes: dict[Any, Any] = (
            conn.info.setdefault(_NOTES, {}) if isinstance(conn, AsyncSession) else {}
        )
        self.hooks: list[Callable[[], Awaitable[None]]] = []

    def after_commit(self, hook: Callable[[], Awaitable[None]]) -> None:
        if isinstance(self.conn, AsyncSession):
            after_commit(self.conn, hook)  # Database.write() runs them after its commit
        else:
            self.hooks.append(hook)

    async def _execute(self, prepared: Prepared, params: Mapping[str, Any]) -> Result[Any] | None:
        """The result, or None for a statement that returns no rows (a session answers a SELECT
        with a result that has no `returns_rows`: it always has rows)."""
        if isinstance(self.conn, AsyncSession):
            # Core statements do not autoflush: rows the session holds pending go first.
            await self.conn.flush()
        result = await self.conn.execute(cast(Executable, prepared.statement), dict(params))
        return result if getattr(result, "returns_rows", True) else None

    async def one(self, prepared: Prepared, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        result = await self._execute(prepared, params)
        return None if result is None else cast(Mapping[str, Any], result.mappings().first())

    async def all(self, prepared: Prepared, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        result = await self._execute(prepared, params)
        return [] if result is None else list(cast(Iterable[Mapping[str, Any]], result.mappings()))

    async def many(self, prepared: Prepared, params: Sequence[Mapping[str, Any]]) -> None:
        if not params:
            return
        if isinstance(self.conn, AsyncSession):
            await self.conn.flush()
        await self.conn.execute(cast(Executable, prepared.statement), [dict(p) for p in params])


_NOTES = "transaction_notes"
_AFTER_COMMIT = "after_commit"


def after_commit(session: AsyncSession, hook: Callable[[], Awaitable[None]]) -> None:
    """Run hook after this session's transaction commits (never on rollback); Database.write()
    runs them."""
    session.info.setdefault(_AFTER_COMMIT, []).append(hook)


def committed_hooks(session: AsyncSession) -> list[Callable[[], Awaitable[None]]]:
    return list(session.info.pop(_AFTER_COMMIT, []))


def as_driver_transaction(transaction: AsyncSession | AsyncConnection) -> DriverTransaction:
    """Driver statements inside a session's or connection's transaction, so the steps written for
    a DriverTransaction also serve the areas that edit rows through an ORM session."""
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
    ignored. Built with the mapped constructor and SQLAlchemy's public make_transient_to_detached,
    which resets the attribute history as a load would."""
    instance = model(**{key: row[prefix + name] for name, key in _column_keys(model)})
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


async def _run_hooks(hooks: list[Callable[[], Awaitable[None]]]) -> None:
    for hook in hooks:
        await hook()


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
                core = _Core(sa_conn)
                result = await work(core)
            await _run_hooks(core.hooks)
            return result
        pool = self._pool or await self._open()
        for attempt in range(2):
            try:
                async with pool.acquire() as conn:
                    tx = _Asyncpg(conn)  # a fresh one per attempt: a failed attempt's hooks never run
                    if not transaction:
                        result = await work(tx)
                    else:
                        async with conn.transaction():
                            result = await work(tx)
            except _CONNECTION_LOST:
                if attempt:
                    raise
                await pool.expire_connections()
                continue
            await _run_hooks(tx.hooks)
            return result
        raise AssertionError("unreachable")

    def usage(self) -> tuple[int, int]:
        """(connections in use, connections open) for the metrics; (0, 0) before first use."""
        if self._pool is None:
            return 0, 0
        size = self._pool.get_size()
        return size - self._pool.get_idle_size(), size

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
