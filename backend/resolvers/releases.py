"""FileConnect resolvers: downloadProducts, downloads, serialDownloads; operators' releaseCreate and
releaseWithdraw (files are uploaded with POST /releases/{id}/files, backend/http/releases.py)."""

from __future__ import annotations

import strawberry

from backend.context import Info
from backend.domain.errors import UserError
from backend.domain.releases import entitlement, publishing
from backend.resolvers.steps import run_step
from backend.schema.catalog import ProductType
from backend.schema.common import error_member, from_global_id
from backend.schema.releases import (
    DownloadProductType,
    DownloadsFilter,
    ReleaseConnection,
    ReleaseCreateInput,
    ReleaseCreateResult,
    ReleaseCreateSuccess,
    ReleaseType,
    ReleaseWithdrawResult,
    ReleaseWithdrawSuccess,
    SerialDownloadsResult,
    release_connection,
)
from backend.scopes import DOWNLOADS, needs_scope


@strawberry.type
class Query:
    @strawberry.field(
        description="The products you are entitled to see releases of, by name.",
        permission_classes=[needs_scope(DOWNLOADS)],
    )
    async def download_products(self, info: Info) -> list[DownloadProductType]:
        ctx = info.context
        rights = await ctx.loaders.download_rights(ctx.actor)
        found = await entitlement.download_products(ctx.portal.db, ctx.actor, rights)
        return [DownloadProductType.from_summary(item) for item in found]

    @strawberry.field(
        description="The releases you are entitled to see (locked ones too, with lockedReason), newest "
        "first: released on, version (both descending), platform (first ≤ 100).",
        permission_classes=[needs_scope(DOWNLOADS)],
    )
    async def downloads(
        self, info: Info, filter: DownloadsFilter | None = None, first: int = 50, after: str | None = None
    ) -> ReleaseConnection:
        ctx = info.context
        wanted = (
            entitlement.Filter()
            if filter is None
            else entitlement.Filter(filter.product_sku, filter.platform, filter.search)
        )
        # Read once per request: downloadProducts beside it shares the same entitlement.
        rights = await ctx.loaders.download_rights(ctx.actor)
        page = await entitlement.downloads(ctx.portal.db, ctx.actor, wanted, first, after, rights)
        return release_connection(page, after)

    @strawberry.field(
        description="The releases a serial number entitles: one not registered yet, or registered to an "
        "account you can see. Counts against the same guessing limit as Get a Key.",
        permission_classes=[needs_scope(DOWNLOADS)],
    )
    async def serial_downloads(self, info: Info, serial_number: str) -> SerialDownloadsResult:
        ctx = info.context
        try:
            found = await entitlement.by_serial(ctx.portal.db, ctx.portal.settings, ctx.actor, serial_number)
        except UserError as exc:
            return SerialDownloadsResult(
                serial_number=serial_number.strip()[:64],
                product=None,
                releases=[],
                errors=[error_member(exc)],
            )
        return SerialDownloadsResult(
            serial_number=found.serial_number,
            product=ProductType.from_model(found.product),
            releases=[ReleaseType.shown(row, found.entitlement) for row in found.releases],
            errors=[],
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Operators: publish a release (no files yet; upload them with POST /releases/{id}/files)."
    )
    async def release_create(self, info: Info, input: ReleaseCreateInput) -> ReleaseCreateResult:
        ctx = info.context
        new = publishing.NewRelease(
            input.product_sku, input.version, input.platform, input.released_on, input.notes
        )
        step = publishing.create(ctx.portal.db, ctx.actor, new)
        result: ReleaseCreateResult = await run_step(
            step, lambda row: ReleaseCreateSuccess(release=ReleaseType.with_lock(row, None, None))
        )
        return result

    @strawberry.mutation(
        description="Operators: withdraw a release; it is no longer listed and its links answer 410."
    )
    async def release_withdraw(self, info: Info, id: strawberry.ID) -> ReleaseWithdrawResult:
        ctx = info.context
        step = publishing.withdraw(ctx.portal.db, ctx.actor, from_global_id(id, "Release"))
        result: ReleaseWithdrawResult = await run_step(
            step, lambda row: ReleaseWithdrawSuccess(release=ReleaseType.with_lock(row, None, None))
        )
        return result
