"""Products and serial numbers."""

from __future__ import annotations

import strawberry

from backend.db import models
from backend.schema.common import Node, to_global_id

LicenseModel = strawberry.enum(models.LicenseModel, name="LicenseModel")
Locking = strawberry.enum(models.Locking, name="Locking")
SerialKind = strawberry.enum(models.SerialKind, name="SerialKind")
SerialStatus = strawberry.enum(models.SerialStatus, name="SerialStatus")


@strawberry.type(name="Product")
class ProductType(Node):
    sku: str
    name: str
    version: str
    license_model: LicenseModel
    locking: Locking

    @classmethod
    def from_model(cls, row: models.Product) -> ProductType:
        return cls(
            id=to_global_id("Product", row.id),
            sku=row.sku,
            name=row.name,
            version=row.version,
            license_model=row.license_model,
            locking=row.locking,
        )


@strawberry.type(name="Serial")
class SerialType:
    number: str
    kind: SerialKind
    status: SerialStatus
    quantity: int
    maintenance_months: int
    product: ProductType

    @classmethod
    def from_model(cls, row: models.Serial, product: models.Product) -> SerialType:
        return cls(
            number=row.number,
            kind=row.kind,
            status=row.status,
            quantity=row.quantity,
            maintenance_months=row.maintenance_months,
            product=ProductType.from_model(product),
        )


__all__ = ["LicenseModel", "Locking", "ProductType", "SerialKind", "SerialStatus", "SerialType"]
