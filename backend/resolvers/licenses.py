"""License lookups (the full Manage My Licenses search comes with its own area)."""

from __future__ import annotations

import strawberry
from sqlalchemy import select

from backend.context import Info
from backend.db.models import License
from backend.domain.access import Permission, may
from backend.schema.common import from_global_id
from backend.schema.licenses import LicenseType


@strawberry.type
class Query:
    @strawberry.field
    async def license(self, info: Info, id: strawberry.ID) -> LicenseType | None:
        actor = info.context.actor
        license_id = from_global_id(id, "License")
        async with info.context.loaders.session() as session:
            row = await session.get(License, license_id) if license_id else None
            if row is None or not await may(session, actor, row.account_id, Permission.VIEW):
                return None
        return LicenseType.from_model(row)

    @strawberry.field(description="Licenses of an account, newest first (at most 100).")
    async def account_licenses(
        self, info: Info, account_id: strawberry.ID, first: int = 50
    ) -> list[LicenseType]:
        actor = info.context.actor
        account = from_global_id(account_id, "Account")
        async with info.context.loaders.session() as session:
            if account is None or not await may(session, actor, account, Permission.VIEW):
                return []
            rows = await session.scalars(
                select(License)
                .where(License.account_id == account)
                .order_by(License.created_at.desc(), License.id)
                .limit(max(1, min(first, 100)))
            )
            return [LicenseType.from_model(r) for r in rows]
