"""FileConnect: releases, their files, the products one may download, the serial-number lookup and
operators' release mutations."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, NewType

import strawberry

from backend.context import Info
from backend.db import models
from backend.domain.releases import entitlement, links
from backend.schema.catalog import ProductType
from backend.schema.common import InvalidInput, Node, NotAllowed, NotFound, UserError, to_global_id
from backend.schema.licenses import PageInfo

# A NewType mapped to its scalar in the schema's config (backend/graphql.py: SCALARS).
BigInt = NewType("BigInt", int)
BIG_INT = strawberry.scalar(
    name="BigInt",
    serialize=int,
    parse_value=int,
    description="A whole number that may pass 2^31 (file sizes), sent as a JSON number.",
)


@strawberry.type(name="ReleaseFile")
class ReleaseFileType(Node):
    name: str
    size: BigInt
    sha256: str = strawberry.field(description="The file's SHA-256, 64 lower-case hex digits.")
    content_type: str
    row: strawberry.Private[models.ReleaseFile]
    locked: strawberry.Private[bool]
    account_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(
        cls, row: models.ReleaseFile, locked: bool, account_id: uuid.UUID | None
    ) -> ReleaseFileType:
        return cls(
            id=to_global_id("ReleaseFile", row.id),
            name=row.name,
            size=BigInt(row.size),
            sha256=row.sha256,
            content_type=row.content_type,
            row=row,
            locked=locked,
            account_id=account_id,
        )

    @strawberry.field(
        description="A signed link valid for 5 minutes; null while the release is locked for you."
    )
    async def download_url(self, info: Info) -> str | None:
        if self.locked:
            return None
        ctx = info.context
        return await links.download_url(ctx.portal, self.row, ctx.actor.user_id, self.account_id)


@strawberry.type(name="Release")
class ReleaseType(Node):
    version: str
    platform: str
    released_on: date
    notes: str = strawberry.field(description="Markdown as published; render it sanitised (no raw HTML).")
    locked_reason: str | None = strawberry.field(
        description='Why you cannot download it, or null when you can: "Maintenance ended on 31 Jan 2026; '
        'renew to download."'
    )
    withdrawn: bool = strawberry.field(description="Withdrawn by the vendor (operators see it still).")
    row: strawberry.Private[models.Release]
    account_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def shown(cls, row: models.Release, rights: entitlement.Entitlement) -> ReleaseType:
        """The release as this caller sees it."""
        return cls.with_lock(row, rights.locked_reason(row), rights.account_for(row))

    @classmethod
    def with_lock(
        cls, row: models.Release, locked_reason: str | None, account_id: uuid.UUID | None
    ) -> ReleaseType:
        return cls(
            id=to_global_id("Release", row.id),
            version=row.version,
            platform=row.platform,
            released_on=row.released_on,
            notes=row.notes,
            locked_reason=locked_reason,
            withdrawn=row.withdrawn_at is not None,
            row=row,
            account_id=account_id,
        )

    @strawberry.field
    async def product(self, info: Info) -> ProductType:
        return ProductType.from_model(await info.context.loaders.product.load(self.row.product_id))

    @strawberry.field
    async def files(self, info: Info) -> list[ReleaseFileType]:
        locked = self.locked_reason is not None or self.row.withdrawn_at is not None
        return [
            ReleaseFileType.from_model(file, locked, self.account_id)
            for file in await info.context.loaders.release_files.load(self.row.id)
        ]

    @strawberry.field(
        description="Downloads served (operators — VENDOR users — only; null for everyone else)."
    )
    async def download_count(self, info: Info) -> int | None:
        loaders = info.context.loaders
        if not await loaders.is_operator(info.context.actor):
            return None
        return await loaders.release_downloads.load(self.row.id)


@strawberry.type(name="ReleaseConnection")
class ReleaseConnection:
    nodes: list[ReleaseType]
    page_info: PageInfo
    total_count: int


def release_connection(page: entitlement.ReleasePage, after: str | None) -> ReleaseConnection:
    return ReleaseConnection(
        nodes=[ReleaseType.shown(row, page.entitlement) for row in page.releases],
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=after is not None,
            start_cursor=None,
            end_cursor=page.end_cursor,
        ),
        total_count=page.total,
    )


@strawberry.type(name="DownloadProduct", description="A product you are entitled to see releases of.")
class DownloadProductType:
    latest_version: str | None
    release_count: int
    platforms: list[str]
    maintenance_ends_on: date | None = strawberry.field(
        description="The latest maintenance (or subscription) end among your licenses of it; null when "
        "only an upgrade notification entitles you."
    )
    product_row: strawberry.Private[models.Product]

    @classmethod
    def from_summary(cls, found: entitlement.DownloadProduct) -> DownloadProductType:
        return cls(
            latest_version=found.latest_version,
            release_count=found.release_count,
            platforms=found.platforms,
            maintenance_ends_on=found.right.until,
            product_row=found.product,
        )

    @strawberry.field
    def product(self) -> ProductType:
        return ProductType.from_model(self.product_row)


@strawberry.input(name="DownloadsFilter")
class DownloadsFilter:
    product_sku: str | None = None
    platform: str | None = None
    search: str | None = strawberry.field(
        default=None, description="Part of the version, product, platform or release notes."
    )


@strawberry.type(name="SerialDownloadsResult")
class SerialDownloadsResult:
    serial_number: str
    product: ProductType | None
    releases: list[ReleaseType]
    errors: list[UserError] = strawberry.field(
        description="NOT_FOUND: unknown, foreign or mistyped (one answer for all three); RATE_LIMITED."
    )


@strawberry.input
class ReleaseCreateInput:
    product_sku: str
    version: str
    platform: str
    released_on: date | None = strawberry.field(default=None, description="Today when not given.")
    notes: str = strawberry.field(default="", description="Markdown.")


@strawberry.type
class ReleaseCreateSuccess:
    release: ReleaseType = strawberry.field(description="Add its files with POST /releases/{id}/files.")


@strawberry.type
class ReleaseWithdrawSuccess:
    release: ReleaseType


ReleaseCreateResult = Annotated[
    ReleaseCreateSuccess | InvalidInput | NotFound | NotAllowed, strawberry.union("ReleaseCreateResult")
]
ReleaseWithdrawResult = Annotated[
    ReleaseWithdrawSuccess | NotFound | NotAllowed, strawberry.union("ReleaseWithdrawResult")
]
