"""Relay `node(id:)`: every global id resolves through the same loaders and access rules as its own
field."""

from __future__ import annotations

import strawberry

from backend.context import Info
from backend.domain import notifications
from backend.domain.access import Permission, allows
from backend.domain.bulk_exports import exports as bulk_exports
from backend.domain.errors import NotFoundError
from backend.domain.releases import entitlement
from backend.domain.vouchers import batches, convert
from backend.resolvers.key_requests import load_key_request
from backend.schema.accounts import AccountType
from backend.schema.bulk_exports import BulkExportType
from backend.schema.catalog import ProductType
from backend.schema.common import Node, from_global_id, type_of_global_id
from backend.schema.flex import FlexContractType
from backend.schema.inbox import InboxItemType
from backend.schema.licenses import LicenseType
from backend.schema.releases import ReleaseFileType, ReleaseType
from backend.schema.vouchers import VoucherBatchType, VoucherConversionType


@strawberry.type
class Query:
    @strawberry.field
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        kind = type_of_global_id(id)
        if kind == "KeyRequest":
            return await load_key_request(info, id)
        value = from_global_id(id, kind or "")
        if value is None:
            return None
        loaders = info.context.loaders
        user_id = info.context.actor.user_id
        if kind == "Product":
            product = await loaders.product.load(value)
            return None if product is None else ProductType.from_model(product)
        if kind == "Account":
            if not allows(await loaders.account_role.load((user_id, value)), Permission.VIEW):
                return None
            return AccountType.from_model(await loaders.account.load(value))
        if kind == "FlexContract":
            contract = await loaders.flex_contract.load(value)
            role = None if contract is None else await loaders.flex_role.load((user_id, value))
            return None if role is None else FlexContractType.from_model(contract, role)
        if kind == "License":
            if await loaders.license_access.load((user_id, value)) is None:
                return None
            return LicenseType.from_model(await loaders.license.load(value))
        db, actor = info.context.portal.db, info.context.actor
        if kind == "VoucherBatch":
            usage = await batches.usage(db, actor, value)
            return None if usage is None else VoucherBatchType.from_usage(usage)
        if kind == "VoucherConversion":
            found = await convert.one(db, actor, value)
            ttl = info.context.portal.settings.draft_ttl_days
            return None if found is None else VoucherConversionType.from_conversion(found, ttl)
        if kind == "Release":
            release = await entitlement.visible_release(db, actor, value)
            return None if release is None else ReleaseType.shown(*release)
        if kind == "ReleaseFile":
            seen = await entitlement.visible_file(db, actor, value)
            if seen is None:
                return None
            file, release_row, rights = seen
            locked = rights.locked_reason(release_row) is not None
            return ReleaseFileType.from_model(file, locked, rights.account_for(release_row))
        if kind == "InboxItem":
            item = await notifications.one(db, actor, value)
            return None if item is None else InboxItemType.from_model(item)
        if kind == "BulkExport":
            try:
                export = await bulk_exports.get(db, actor, value)
            except NotFoundError:
                return None
            return BulkExportType.from_model(export, info.context.portal.settings)
        return None
