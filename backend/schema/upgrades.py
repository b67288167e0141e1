"""Version Upgrade: notifications, their lines, the wizard's inputs and results."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.context import Info
from backend.db import models
from backend.schema.catalog import ProductType
from backend.schema.common import InvalidInput, KeyRequestNotEditable, NotFound, RateLimited, UpgradeRefused
from backend.schema.licenses import LicenseType
from backend.schema.registration import RegistrationInput

if TYPE_CHECKING:
    from backend.schema.key_requests import KeyRequestType

KeyRequestRef = Annotated["KeyRequestType", strawberry.lazy("backend.schema.key_requests")]


@strawberry.type(name="UpgradeLine")
class UpgradeLineType:
    eligible_quantity: int
    upgraded_quantity: int
    license_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    def remaining_quantity(self) -> int:
        return max(0, self.eligible_quantity - self.upgraded_quantity)

    @strawberry.field
    async def license(self, info: Info) -> LicenseType:
        return LicenseType.from_model(await info.context.loaders.license.load(self.license_id))


@strawberry.type(name="UpgradeNotification")
class UpgradeNotificationType:
    notification_id: str
    expires_at: datetime
    row: strawberry.Private[models.UpgradeNotification]

    @classmethod
    def from_model(cls, row: models.UpgradeNotification) -> UpgradeNotificationType:
        return cls(notification_id=row.code, expires_at=row.expires_at, row=row)

    @strawberry.field
    async def from_product(self, info: Info) -> ProductType:
        return ProductType.from_model(await info.context.loaders.product.load(self.row.from_product_id))

    @strawberry.field
    async def to_product(self, info: Info) -> ProductType:
        return ProductType.from_model(await info.context.loaders.product.load(self.row.to_product_id))

    @strawberry.field
    async def lines(self, info: Info) -> list[UpgradeLineType]:
        rows = await info.context.loaders.lines_by_notification.load(self.row.id)
        return [
            UpgradeLineType(
                eligible_quantity=r.eligible_quantity,
                upgraded_quantity=r.upgraded_quantity,
                license_id=r.license_id,
            )
            for r in rows
        ]


@strawberry.type(name="UpgradeOption")
class UpgradeOptionType:
    license: LicenseType
    from_product: ProductType
    to_product: ProductType
    eligible_quantity: int
    remaining_quantity: int


@strawberry.input
class UpgradeRequestStartInput:
    account_id: strawberry.ID
    notification_id: str


@strawberry.input
class UpgradeRequestSelectProductInput:
    key_request_id: strawberry.ID
    license_id: strawberry.ID


@strawberry.input
class UpgradeRequestSetQuantityInput:
    key_request_id: strawberry.ID
    quantity: int


@strawberry.input
class UpgradeRequestSetRegistrationInput:
    key_request_id: strawberry.ID
    registration: RegistrationInput


@strawberry.input
class UpgradeRequestConfirmInput:
    key_request_id: strawberry.ID
    idempotency_key: str


@strawberry.input
class UpgradeNotificationsCreateInput:
    from_sku: str
    to_sku: str
    expires_in_days: int = 90


@strawberry.type
class UpgradeNotificationsCreateSuccess:
    notifications: list[UpgradeNotificationType]


UpgradeNotificationsCreateResult = Annotated[
    UpgradeNotificationsCreateSuccess | InvalidInput | NotFound,
    strawberry.union("UpgradeNotificationsCreateResult"),
]


@strawberry.type
class UpgradeRequestStartSuccess:
    key_request: KeyRequestRef


@strawberry.type
class UpgradeRequestSelectProductSuccess:
    key_request: KeyRequestRef


@strawberry.type
class UpgradeRequestSetQuantitySuccess:
    key_request: KeyRequestRef


@strawberry.type
class UpgradeRequestSetRegistrationSuccess:
    key_request: KeyRequestRef


@strawberry.type
class UpgradeRequestConfirmSuccess:
    key_request: KeyRequestRef


UpgradeRequestStartResult = Annotated[
    UpgradeRequestStartSuccess | UpgradeRefused | NotFound | RateLimited,
    strawberry.union("UpgradeRequestStartResult"),
]
UpgradeRequestSelectProductResult = Annotated[
    UpgradeRequestSelectProductSuccess | UpgradeRefused | NotFound | KeyRequestNotEditable,
    strawberry.union("UpgradeRequestSelectProductResult"),
]
UpgradeRequestSetQuantityResult = Annotated[
    UpgradeRequestSetQuantitySuccess | UpgradeRefused | InvalidInput | NotFound | KeyRequestNotEditable,
    strawberry.union("UpgradeRequestSetQuantityResult"),
]
UpgradeRequestSetRegistrationResult = Annotated[
    UpgradeRequestSetRegistrationSuccess | InvalidInput | NotFound | KeyRequestNotEditable,
    strawberry.union("UpgradeRequestSetRegistrationResult"),
]
UpgradeRequestConfirmResult = Annotated[
    UpgradeRequestConfirmSuccess | UpgradeRefused | InvalidInput | NotFound | KeyRequestNotEditable,
    strawberry.union("UpgradeRequestConfirmResult"),
]
