"""Operators publish releases: create one (a product's version for one platform), add its files
(streamed into storage while their SHA-256 is computed), withdraw it, list them. The CLI passes no
actor; the API passes the VENDOR user, checked by access.require_operator."""

from __future__ import annotations

import mimetypes
import re
import uuid
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, cast

import asyncpg
from sqlalchemy import ColumnElement, Table, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from backend.db.driver import DriverTransaction, Prepared, entity, prefixed
from backend.db.engine import Database
from backend.db.models import FileDownload, Product, Release, ReleaseFile, utcnow
from backend.domain import audit
from backend.domain.access import Actor, require_operator
from backend.domain.errors import FieldProblem, InvalidInputError, NotFoundError
from backend.domain.releases.storage import Storage, file_chunks

MAX_VERSION = 64
MAX_PLATFORM = 32
MAX_NOTES = 100_000
MAX_NAME = 255
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]*$")
# A file name is shown and sent as the download's name: no path parts, no control characters.
_BAD_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")

# A unique constraint refusing an insert, from either driver (asyncpg on PostgreSQL, SQLAlchemy on SQLite).
UNIQUE_VIOLATION = (IntegrityError, asyncpg.UniqueViolationError)

_releases, _files, _products, _downloads = (
    cast(Table, m.__table__) for m in (Release, ReleaseFile, Product, FileDownload)
)


@dataclass(frozen=True)
class NewRelease:
    product_sku: str
    version: str
    platform: str
    released_on: date | None = None  # today when not given
    notes: str = ""


def _validate(new: NewRelease) -> list[FieldProblem]:
    problems = []
    version = new.version.strip()
    if not version or len(version) > MAX_VERSION or not _VERSION.match(version):
        problems.append(
            FieldProblem(
                "version",
                "INVALID",
                f"A version is 1 to {MAX_VERSION} letters, digits, dots, dashes, pluses or underscores.",
            )
        )
    platform = new.platform.strip()
    if not platform or len(platform) > MAX_PLATFORM or _BAD_NAME.search(platform):
        problems.append(FieldProblem("platform", "INVALID", f"A platform is 1 to {MAX_PLATFORM} characters."))
    if len(new.notes) > MAX_NOTES:
        problems.append(
            FieldProblem("notes", "TOO_LONG", f"Release notes are at most {MAX_NOTES:,} characters.")
        )
    return problems


_PRODUCT = Prepared(select(_products).where(_products.c.sku == bindparam("sku")))
_SAME = Prepared(
    select(_releases.c.id).where(
        _releases.c.product_id == bindparam("product_id"),
        _releases.c.version == bindparam("version"),
        _releases.c.platform == bindparam("platform"),
    )
)
_NEW_RELEASE = Prepared(
    insert(_releases).returning(*_releases.c),
    [
        "id",
        "product_id",
        "version",
        "platform",
        "released_on",
        "notes",
        "created_at",
        "created_by_user_id",
    ],
)


async def create(db: Database, actor: Actor | None, new: NewRelease) -> Release:
    """A new release, without files yet (operators; the CLI passes no actor). The same product,
    version and platform twice is refused (field `version`)."""

    async def work(tx: DriverTransaction) -> Release:
        if actor is not None:
            await require_operator(tx, actor, "productSku")
        problems = _validate(new)
        product = await tx.one(_PRODUCT, {"sku": new.product_sku.strip().upper()})
        if product is None:
            problems.append(FieldProblem("productSku", "UNKNOWN", "No product has this SKU."))
        elif not problems:
            taken = await tx.one(
                _SAME,
                {
                    "product_id": product["id"],
                    "version": new.version.strip(),
                    "platform": new.platform.strip(),
                },
            )
            if taken is not None:
                problems.append(
                    FieldProblem(
                        "version",
                        "TAKEN",
                        f"{product['sku']} {new.version.strip()} for {new.platform.strip()} is published already.",
                    )
                )
        if problems:
            raise InvalidInputError(problems)
        assert product is not None
        row = await tx.one(
            _NEW_RELEASE,
            {
                "id": uuid.uuid4(),
                "product_id": product["id"],
                "version": new.version.strip(),
                "platform": new.platform.strip(),
                "released_on": new.released_on or date.today(),
                "notes": new.notes,
                "created_at": utcnow(),
                "created_by_user_id": None if actor is None else actor.user_id,
            },
        )
        assert row is not None
        release = entity(Release, row)
        await audit.record(
            tx,
            "release.create",
            actor=actor,
            target=("Release", release.id),
            sku=product["sku"],
            version=release.version,
            platform=release.platform,
        )
        return release

    try:
        return await db.driver.run(work)
    except UNIQUE_VIOLATION:
        # Published by someone else between our check and our insert: the constraint said so.
        raise InvalidInputError(
            [FieldProblem("version", "TAKEN", "This version is published for this platform already.")]
        ) from None


_RELEASE = Prepared(select(_releases).where(_releases.c.id == bindparam("release_id")))
_NAME_TAKEN = Prepared(
    select(_files.c.id).where(
        _files.c.release_id == bindparam("release_id"), _files.c.name == bindparam("name")
    )
)
_NEW_FILE = Prepared(
    insert(_files).returning(*_files.c),
    ["id", "release_id", "name", "size", "sha256", "content_type", "created_at"],
)


def _check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME or cleaned in (".", "..") or _BAD_NAME.search(cleaned):
        raise InvalidInputError(
            [FieldProblem("name", "INVALID", f"A file name is 1 to {MAX_NAME} characters, without / or \\.")]
        )
    return cleaned


def content_type_of(name: str, given: str | None = None) -> str:
    """The type the upload declared, else the one its name suggests, else bytes."""
    if given and given.strip() and len(given) <= 100 and given.strip() != "application/octet-stream":
        return given.strip()
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


async def _open_release(tx: DriverTransaction, actor: Actor | None, release_id: uuid.UUID | None) -> Release:
    if actor is not None:
        await require_operator(tx, actor, "releaseId")
    row = None if release_id is None else await tx.one(_RELEASE, {"release_id": release_id})
    if row is None or row["withdrawn_at"] is not None:
        raise NotFoundError("releaseId", "release")
    return entity(Release, row)


async def add_file(
    db: Database,
    storage: Storage,
    actor: Actor | None,
    release_id: uuid.UUID | None,
    name: str,
    chunks: AsyncIterable[bytes],
    content_type: str | None = None,
) -> ReleaseFile:
    """Stream a file into storage (hashing it on the way) and list it on the release. The bytes go
    to storage before the row is written: a row always names bytes that exist; bytes whose row was
    refused stay as an unreferenced blob (the same bytes published again reuse it)."""
    cleaned = _check_name(name)

    async def check(tx: DriverTransaction) -> None:
        await _open_release(tx, actor, release_id)
        if await tx.one(_NAME_TAKEN, {"release_id": release_id, "name": cleaned}) is not None:
            raise InvalidInputError(
                [FieldProblem("name", "TAKEN", f"The release has a file {cleaned} already.")]
            )

    # Refuse before streaming gigabytes when the answer is known already.
    await db.driver.run(check, transaction=False)
    blob = await storage.put(chunks)

    async def record(tx: DriverTransaction) -> ReleaseFile:
        await check(tx)
        row = await tx.one(
            _NEW_FILE,
            {
                "id": uuid.uuid4(),
                "release_id": release_id,
                "name": cleaned,
                "size": blob.size,
                "sha256": blob.sha256,
                "content_type": content_type_of(cleaned, content_type),
                "created_at": utcnow(),
            },
        )
        assert row is not None
        added = entity(ReleaseFile, row)
        await audit.record(
            tx,
            "release.file_add",
            actor=actor,
            target=("Release", added.release_id),
            file=added.name,
            size=added.size,
            sha256=added.sha256,
        )
        return added

    try:
        return await db.driver.run(record)
    except UNIQUE_VIOLATION:
        raise InvalidInputError(
            [FieldProblem("name", "TAKEN", f"The release has a file {cleaned} already.")]
        ) from None


async def add_file_from_path(
    db: Database,
    storage: Storage,
    actor: Actor | None,
    release_id: uuid.UUID,
    path: Path,
    progress: Callable[[int], object] | None = None,
) -> ReleaseFile:
    """add_file for a file on disk; `progress` hears each chunk's size as it is stored."""

    async def chunks() -> AsyncIterable[bytes]:
        async for chunk in file_chunks(path):
            yield chunk
            if progress is not None:
                progress(len(chunk))

    return await add_file(db, storage, actor, release_id, path.name, chunks())


_WITHDRAW = Prepared(
    update(_releases)
    .where(_releases.c.id == bindparam("release_id"), _releases.c.withdrawn_at.is_(None))
    .values(withdrawn_at=bindparam("now"))
    .returning(*_releases.c)
)


async def withdraw(db: Database, actor: Actor | None, release_id: uuid.UUID | None) -> Release:
    """Withdraw a release: no longer listed, its links answer 410. Withdrawing it again answers the
    release as it is (its first withdrawal time stays)."""

    async def work(tx: DriverTransaction) -> Release:
        if actor is not None:
            await require_operator(tx, actor, "id")
        row = None if release_id is None else await tx.one(_RELEASE, {"release_id": release_id})
        if row is None:
            raise NotFoundError("id", "release")
        if row["withdrawn_at"] is not None:
            return entity(Release, row)
        changed = await tx.one(_WITHDRAW, {"release_id": release_id, "now": utcnow()})
        assert changed is not None
        release = entity(Release, changed)
        await audit.record(
            tx,
            "release.withdraw",
            actor=actor,
            target=("Release", release.id),
            version=release.version,
            platform=release.platform,
        )
        return release

    return await db.driver.run(work)


_BY_NAME = Prepared(
    select(_releases.c.id)
    .join(_products, _products.c.id == _releases.c.product_id)
    .where(
        _products.c.sku == bindparam("sku"),
        _releases.c.version == bindparam("version"),
        _releases.c.platform == bindparam("platform"),
    )
)


async def find(db: Database, sku: str, version: str, platform: str) -> uuid.UUID | None:
    """A release's id by its product, version and platform."""
    params = {"sku": sku.strip().upper(), "version": version.strip(), "platform": platform.strip()}
    row = await db.driver.run(lambda tx: tx.one(_BY_NAME, params), transaction=False)
    return None if row is None else cast(uuid.UUID, row["id"])


@dataclass(frozen=True)
class Listed:
    """A release as operators list it."""

    release: Release
    sku: str
    files: int
    size: int
    downloads: int


_file_counts = (
    select(
        _files.c.release_id,
        func.count().label("files"),
        func.coalesce(func.sum(_files.c.size), 0).label("size"),
    )
    .where(_files.c.withdrawn_at.is_(None))
    .group_by(_files.c.release_id)
    .subquery()
)
# A download counts once: a whole file (200) or the first part of one (a 206 from byte 0). Resumes,
# 304s and refusals are audited too but are not more downloads.
COUNTED_DOWNLOAD: ColumnElement[bool] = or_(
    _downloads.c.status == 200,
    and_(_downloads.c.status == 206, _downloads.c.range_header.like("bytes=0-%")),
)
_download_counts = (
    select(_files.c.release_id, func.count(_downloads.c.id).label("downloads"))
    .join(_downloads, and_(_downloads.c.file_id == _files.c.id, COUNTED_DOWNLOAD))
    .group_by(_files.c.release_id)
    .subquery()
)


@cache
def _listing(by_product: bool) -> Prepared:
    statement: Any = (
        select(
            *prefixed(_releases, "r_"),
            _products.c.sku,
            func.coalesce(_file_counts.c.files, 0).label("files"),
            func.coalesce(_file_counts.c.size, 0).label("size"),
            func.coalesce(_download_counts.c.downloads, 0).label("downloads"),
        )
        .join(_products, _products.c.id == _releases.c.product_id)
        .outerjoin(_file_counts, _file_counts.c.release_id == _releases.c.id)
        .outerjoin(_download_counts, _download_counts.c.release_id == _releases.c.id)
        .order_by(
            _products.c.sku, _releases.c.released_on.desc(), _releases.c.version.desc(), _releases.c.platform
        )
    )
    if by_product:
        statement = statement.where(_products.c.sku == bindparam("sku"))
    return Prepared(statement)


async def listing(db: Database, product_sku: str | None = None) -> list[Listed]:
    """Every release (withdrawn ones too), by product, newest first, with its files and downloads."""
    params = {"sku": None if product_sku is None else product_sku.strip().upper()}
    rows = await db.driver.run(
        lambda tx: tx.all(_listing(product_sku is not None), params), transaction=False
    )
    return [
        Listed(
            entity(Release, row, "r_"), row["sku"], int(row["files"]), int(row["size"]), int(row["downloads"])
        )
        for row in rows
    ]
