"""Licenses and their signed keys."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, timedelta

import strawberry

from backend.context import Info
from backend.db import models
from backend.domain import rehost
from backend.schema.accounts import AccountType
from backend.schema.catalog import ProductType, SerialType
from backend.schema.common import Node, to_global_id
from backend.schema.registration import SupportRegistration


@strawberry.enum(
    name="LicenseStatus", description="One status rule everywhere, derived from state and dates."
)
class LicenseStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    EXPIRING = "EXPIRING"
    MAINTENANCE_LAPSED = "MAINTENANCE_LAPSED"
    EXPIRED = "EXPIRED"
    SUPERSEDED = "SUPERSEDED"
    REVOKED = "REVOKED"


strawberry.enum(models.KeyStatus, name="LicenseKeyStatus")
EXPIRING_WITHIN_DAYS = 60


def license_status(row: models.License, model: models.LicenseModel, today: date) -> LicenseStatus:
    if row.state == models.LicenseState.SUPERSEDED:
        return LicenseStatus.SUPERSEDED
    if row.state == models.LicenseState.REVOKED:
        return LicenseStatus.REVOKED
    if row.maintenance_until < today:
        return (
            LicenseStatus.EXPIRED
            if model == models.LicenseModel.SUBSCRIPTION
            else LicenseStatus.MAINTENANCE_LAPSED
        )
    if row.maintenance_until <= today + timedelta(days=EXPIRING_WITHIN_DAYS):
        return LicenseStatus.EXPIRING
    return LicenseStatus.ACTIVE


@strawberry.type(name="LicenseKey")
class LicenseKeyType(Node):
    activation_key: str
    license_file: str = strawberry.field(description="Compact JWS (EdDSA); save as <activationKey>.lic")
    host_id: str | None
    kid: str
    status: models.KeyStatus
    issued_at: datetime
    license_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, row: models.LicenseKey) -> LicenseKeyType:
        return cls(
            id=to_global_id("LicenseKey", row.id),
            activation_key=row.activation_key,
            license_file=row.license_file,
            host_id=row.host_id,
            kid=row.kid,
            status=row.status,
            issued_at=row.issued_at,
            license_id=row.license_id,
        )

    @strawberry.field
    async def license(self, info: Info) -> LicenseType:
        return LicenseType.from_model(await info.context.loaders.license.load(self.license_id))


@strawberry.type(name="License")
class LicenseType(Node):
    quantity: int
    maintenance_until: date
    host_id: str | None
    created_at: datetime
    row: strawberry.Private[models.License]

    @classmethod
    def from_model(cls, row: models.License) -> LicenseType:
        return cls(
            id=to_global_id("License", row.id),
            quantity=row.quantity,
            maintenance_until=row.maintenance_until,
            host_id=row.host_id,
            created_at=row.created_at,
            row=row,
        )

    @strawberry.field
    async def product(self, info: Info) -> ProductType:
        return ProductType.from_model(await info.context.loaders.product.load(self.row.product_id))

    @strawberry.field
    async def status(self, info: Info) -> LicenseStatus:
        product = await info.context.loaders.product.load(self.row.product_id)
        return license_status(self.row, product.license_model, date.today())

    @strawberry.field
    async def registration(self, info: Info) -> SupportRegistration | None:
        return SupportRegistration.from_data(
            await info.context.loaders.registration_by_license.load(self.row.id)
        )

    @strawberry.field
    async def keys(self, info: Info) -> list[LicenseKeyType]:
        return [
            LicenseKeyType.from_model(k) for k in await info.context.loaders.keys_by_license.load(self.row.id)
        ]

    @strawberry.field
    async def account(self, info: Info) -> AccountType:
        return AccountType.from_model(await info.context.loaders.account.load(self.row.account_id))

    @strawberry.field(description="Hosts holding a seat, through any of the license's keys.")
    async def activations(self, info: Info) -> list[ActivationType]:
        rows = await info.context.loaders.activations_by_license.load(self.row.id)
        return [ActivationType.from_model(r) for r in rows]

    @strawberry.field(description="Every serial that created or renewed this license.")
    async def serials(self, info: Info) -> list[SerialType]:
        serials = await info.context.loaders.serials_by_license.load(self.row.id)
        products = await info.context.loaders.product.load_many([s.product_id for s in serials])
        return [SerialType.from_model(s, p) for s, p in zip(serials, products, strict=True)]

    @strawberry.field(description="Re-hosts in the last 12 months.")
    async def rehosts_used(self, info: Info) -> int:
        return len(await info.context.loaders.rehosts_by_license.load(self.row.id))

    @strawberry.field(description="Re-hosts allowed per 12 months.")
    def rehost_limit(self, info: Info) -> int:
        return info.context.portal.settings.rehost_limit

    @strawberry.field(description="Null when a re-host is allowed now.")
    async def next_rehost_allowed_at(self, info: Info) -> datetime | None:
        used = await info.context.loaders.rehosts_by_license.load(self.row.id)
        return rehost.next_allowed(used, info.context.portal.settings.rehost_limit)


@strawberry.type(name="Activation")
class ActivationType:
    host_id: str
    first_seen_at: datetime
    last_seen_at: datetime

    @classmethod
    def from_model(cls, row: models.Activation) -> ActivationType:
        return cls(host_id=row.host_id, first_seen_at=row.first_seen_at, last_seen_at=row.last_seen_at)
