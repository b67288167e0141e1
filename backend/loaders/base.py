"""What every area's loaders share: the request's read session and the driver reads behind the
by-id loaders (decision record 0010).

Loaders are created for every request (never shared across requests: a process-wide cache would
leak one tenant's rows to another). By-id loaders run prebuilt statements on the driver, each batch
one autocommit statement, its rows made into detached ORM instances; the others read through one
read session, taken on first use and closed when the operation ends; a lock hands it to one batch
at a time, so concurrent resolvers never use the AsyncSession at once."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from backend.db.driver import Prepared, entity, ids_match
from backend.db.engine import Database


@cache
def _by_ids(model: Any, column: Any, order: tuple[Any, ...], dialect: str) -> Prepared:
    """A loader's statement, built once per process: building and keying a statement costs more
    CPU than many of the reads it makes."""
    table = cast(Table, model.__table__)
    return Prepared(select(table).where(ids_match(column, dialect)).order_by(*order))


class LoaderBase:
    """Each loader is made on first use: most requests touch one or two of them, and every
    request (an installed product's activation too) makes a Loaders."""

    def __init__(self, db: Database, draft_ttl_days: int = 7) -> None:
        self._db = db
        self._draft_ttl_days = draft_ttl_days
        self._lock = asyncio.Lock()
        self._session: AsyncSession | None = None

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """The request's read session, exclusively for the block (do not await a loader inside it)."""
        async with self._lock:
            if self._session is None:
                self._session = self._db.read_sessions()
            yield self._session

    async def close(self) -> None:
        async with self._lock:
            if self._session is not None:
                session, self._session = self._session, None
                # Finish the close even if the request is being cancelled (a socket went away),
                # so the connection goes back to the pool in a clean state.
                await asyncio.shield(session.close())

    async def _read(self, prepared: Prepared, ids: Sequence[uuid.UUID]) -> list[Mapping[str, Any]]:
        """One prebuilt read on the driver, outside any transaction."""
        params = {"ids": list(ids)}
        rows: list[Mapping[str, Any]] = await self._db.driver.run(
            lambda tx: tx.all(prepared, params), transaction=False
        )
        return rows

    def _one(self, model: Any) -> DataLoader[uuid.UUID, Any]:
        prepared = _by_ids(model, model.id, (), self._db.dialect)

        async def load(ids: Sequence[uuid.UUID]) -> list[Any]:
            rows = {row.id: row for row in (entity(model, r) for r in await self._read(prepared, ids))}
            return [rows.get(i) for i in ids]

        return DataLoader(load)

    def _many(self, model: Any, column: Any, order: tuple[Any, ...]) -> DataLoader[uuid.UUID, list[Any]]:
        prepared = _by_ids(model, column, order, self._db.dialect)
        name = column.property.columns[0].name

        async def load(ids: Sequence[uuid.UUID]) -> list[list[Any]]:
            grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
            for row in await self._read(prepared, ids):
                grouped[row[name]].append(entity(model, row))
            return [grouped[i] for i in ids]

        return DataLoader(load)
