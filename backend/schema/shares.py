"""License shares: one license shared with a person outside its account, by e-mail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry

from backend.context import Info
from backend.db import models
from backend.domain.access import LicenseAccess, access_allows
from backend.schema.accounts import UserType
from backend.schema.common import InvalidInput, Node, NotFound, RateLimited, to_global_id
from backend.schema.licenses import LicenseType

strawberry.enum(models.SharePermission, name="SharePermission")


@strawberry.type(name="LicenseShare")
class LicenseShareType(Node):
    email: str
    permission: models.SharePermission
    created_at: datetime
    row: strawberry.Private[models.LicenseShare]

    @classmethod
    def from_model(cls, row: models.LicenseShare) -> LicenseShareType:
        return cls(
            id=to_global_id("LicenseShare", row.id),
            email=row.email,
            permission=row.permission,
            created_at=row.created_at,
            row=row,
        )

    @strawberry.field(description="Null until that e-mail signs up.")
    async def user(self, info: Info) -> UserType | None:
        if self.row.user_id is None:
            return None
        user = await info.context.loaders.user.load(self.row.user_id)
        return UserType.from_model(user) if user is not None else None


async def license_shares(info: Info, license_id: uuid.UUID) -> list[LicenseShareType]:
    """The license's shares, for its OWNER and account ADMINs only (others get an empty list)."""
    access = await info.context.loaders.license_access.load((info.context.actor.user_id, license_id))
    if not access_allows(access, LicenseAccess.ADMIN):
        return []
    return [
        LicenseShareType.from_model(s) for s in await info.context.loaders.shares_by_license.load(license_id)
    ]


@strawberry.input
class LicenseShareInput:
    license_id: strawberry.ID
    email: str
    permission: models.SharePermission


@strawberry.type
class LicenseShareSuccess:
    license: LicenseType


@strawberry.input
class LicenseUnshareInput:
    license_id: strawberry.ID
    email: str


@strawberry.type
class LicenseUnshareSuccess:
    license: LicenseType


@strawberry.input(description="The new owner: a MEMBER or ADMIN of the license's account.")
class LicenseTransferOwnershipInput:
    license_id: strawberry.ID
    email: str


@strawberry.type
class LicenseTransferOwnershipSuccess:
    license: LicenseType


LicenseShareResult = Annotated[
    LicenseShareSuccess | InvalidInput | NotFound | RateLimited, strawberry.union("LicenseShareResult")
]
LicenseUnshareResult = Annotated[LicenseUnshareSuccess | NotFound, strawberry.union("LicenseUnshareResult")]
LicenseTransferOwnershipResult = Annotated[
    LicenseTransferOwnershipSuccess | InvalidInput | NotFound,
    strawberry.union("LicenseTransferOwnershipResult"),
]
