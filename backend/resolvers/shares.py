"""License shares and ownership transfer."""

from __future__ import annotations

from typing import cast

import strawberry

from backend.context import Info
from backend.domain.accounts import shares as domain
from backend.resolvers.steps import run_step
from backend.schema.common import from_global_id
from backend.schema.licenses import LicenseType
from backend.schema.shares import (
    LicenseShareInput,
    LicenseShareResult,
    LicenseShareSuccess,
    LicenseTransferOwnershipInput,
    LicenseTransferOwnershipResult,
    LicenseTransferOwnershipSuccess,
    LicenseUnshareInput,
    LicenseUnshareResult,
    LicenseUnshareSuccess,
)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="OWNER or account ADMIN: share with an e-mail outside the account; again changes the permission."
    )
    async def license_share(self, info: Info, input: LicenseShareInput) -> LicenseShareResult:
        portal = info.context.portal
        step = domain.share(
            portal.db,
            portal.bus,
            portal.settings,
            info.context.actor,
            from_global_id(input.license_id, "License"),
            input.email,
            input.permission,
        )
        return cast(
            LicenseShareResult,
            await run_step(step, lambda row: LicenseShareSuccess(license=LicenseType.from_model(row))),
        )

    @strawberry.mutation(description="OWNER or account ADMIN: take a share back.")
    async def license_unshare(self, info: Info, input: LicenseUnshareInput) -> LicenseUnshareResult:
        step = domain.unshare(
            info.context.portal.db,
            info.context.actor,
            from_global_id(input.license_id, "License"),
            input.email,
        )
        return cast(
            LicenseUnshareResult,
            await run_step(step, lambda row: LicenseUnshareSuccess(license=LicenseType.from_model(row))),
        )

    @strawberry.mutation(
        description="OWNER or account ADMIN: make a MEMBER or ADMIN of the account the owner."
    )
    async def license_transfer_ownership(
        self, info: Info, input: LicenseTransferOwnershipInput
    ) -> LicenseTransferOwnershipResult:
        portal = info.context.portal
        step = domain.transfer_ownership(
            portal.db,
            portal.bus,
            portal.settings,
            info.context.actor,
            from_global_id(input.license_id, "License"),
            input.email,
        )
        return cast(
            LicenseTransferOwnershipResult,
            await run_step(
                step, lambda row: LicenseTransferOwnershipSuccess(license=LicenseType.from_model(row))
            ),
        )
