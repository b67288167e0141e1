"""Relay `node(id:)`: every global id resolves through the same access checks as its own field."""

from __future__ import annotations

import strawberry
from sqlalchemy import select

from backend.context import Info
from backend.db.driver import as_driver_transaction
from backend.db.models import Account, License, Product
from backend.domain.access import Permission, license_access, may
from backend.resolvers.key_requests import load_key_request
from backend.schema.accounts import AccountType
from backend.schema.catalog import ProductType
from backend.schema.common import Node, from_global_id, type_of_global_id
from backend.schema.licenses import LicenseType


@strawberry.type
class Query:
    @strawberry.field
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        actor = info.context.actor
        kind = type_of_global_id(id)
        if kind == "KeyRequest":
            return await load_key_request(info, id)
        value = from_global_id(id, kind or "")
        if value is None:
            return None
        async with info.context.loaders.session() as session:
            if kind == "Product":
                product = await session.get(Product, value)
                return ProductType.from_model(product) if product else None
            if kind == "Account":
                if await may(as_driver_transaction(session), actor, value, Permission.VIEW):
                    return AccountType.from_model(await session.get_one(Account, value))
                return None
            if kind == "License":
                license_ = await session.scalar(select(License).where(License.id == value))
                if license_ and await license_access(session, actor, license_) is not None:
                    return LicenseType.from_model(license_)
        return None
