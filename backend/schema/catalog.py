"""Products and serial numbers."""

from __future__ import annotations

import strawberry

from backend.db import models
from backend.schema.common import Node, to_global_id

# Registered with the schema under these names; annotations use the model enums themselves.
strawberry.enum(models.LicenseModel, name="LicenseModel")
strawberry.enum(models.Locking, name="Locking")
strawberry.enum(models.SerialKind, name="SerialKind")
strawberry.enum(models.SerialStatus, name="SerialStatus")


@strawberry.type(name="Product")
class ProductType(Node):
    sku: str
    name: str
    version: str
    license_model: models.LicenseModel
    locking: models.Locking

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
    kind: models.SerialKind
    status: models.SerialStatus
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
