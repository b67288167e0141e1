"""FileConnect loaders: a release's files and download count, and what the caller is entitled to
(read once per request, whichever field asks first)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from functools import cache, cached_property
from typing import cast

from sqlalchemy import Table, and_, func, select
from strawberry.dataloader import DataLoader

from backend.db.driver import DriverTransaction, Prepared, entity, ids_match
from backend.db.models import FileDownload, ReleaseFile
from backend.domain.access import Actor, require_operator
from backend.domain.errors import NotFoundError
from backend.domain.releases.entitlement import Entitlement, entitlement
from backend.domain.releases.publishing import COUNTED_DOWNLOAD
from backend.loaders.vouchers import VoucherLoaders

_files, _downloads = (cast(Table, m.__table__) for m in (ReleaseFile, FileDownload))


@cache
def _files_of(dialect: str) -> Prepared:
    return Prepared(
        select(_files)
        .where(ids_match(_files.c.release_id, dialect), _files.c.withdrawn_at.is_(None))
        .order_by(_files.c.name)
    )


@cache
def _downloads_of(dialect: str) -> Prepared:
    return Prepared(
        select(_files.c.release_id, func.count(_downloads.c.id).label("downloads"))
        .join(_downloads, and_(_downloads.c.file_id == _files.c.id, COUNTED_DOWNLOAD))
        .where(ids_match(_files.c.release_id, dialect))
        .group_by(_files.c.release_id)
    )


class ReleaseLoaders(VoucherLoaders):
    """What a release shows."""

    _rights: asyncio.Future[Entitlement] | None = None
    _operator: asyncio.Future[bool] | None = None

    @cached_property
    def release_files(self) -> DataLoader[uuid.UUID, list[ReleaseFile]]:
        return DataLoader(self._release_files)

    async def _release_files(self, ids: Sequence[uuid.UUID]) -> list[list[ReleaseFile]]:
        grouped: dict[uuid.UUID, list[ReleaseFile]] = {i: [] for i in ids}
        for row in await self._read(_files_of(self._db.dialect), ids):
            grouped[row["release_id"]].append(entity(ReleaseFile, row))
        return [grouped[i] for i in ids]

    @cached_property
    def release_downloads(self) -> DataLoader[uuid.UUID, int]:
        return DataLoader(self._release_downloads)

    async def _release_downloads(self, ids: Sequence[uuid.UUID]) -> list[int]:
        found = {
            row["release_id"]: int(row["downloads"])
            for row in await self._read(_downloads_of(self._db.dialect), ids)
        }
        return [found.get(i, 0) for i in ids]

    async def download_rights(self, actor: Actor) -> Entitlement:
        """The caller's entitlement, read once per request (every release on a page shares it)."""
        if self._rights is None:

            async def read(tx: DriverTransaction) -> Entitlement:
                return await entitlement(tx, actor.user_id)

            self._rights = asyncio.ensure_future(self._db.driver.run(read, transaction=False))
        return await self._rights

    async def is_operator(self, actor: Actor) -> bool:
        """Whether the caller is an operator (an ADMIN or MEMBER of a VENDOR account), once per request."""
        if self._operator is None:

            async def read(tx: DriverTransaction) -> bool:
                try:
                    await require_operator(tx, actor, "id")
                except NotFoundError:
                    return False
                return True

            self._operator = asyncio.ensure_future(self._db.driver.run(read, transaction=False))
        return await self._operator
