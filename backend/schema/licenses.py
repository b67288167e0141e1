"""Licenses and their signed keys."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, timedelta

import strawberry

from backend.context import Info
from backend.db import models
from backend.schema.catalog import ProductType
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
