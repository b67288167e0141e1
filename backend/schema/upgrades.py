"""Version Upgrade: the wizard's inputs and results. The notifications, their lines and the
upgrade options are shown on a key request: they live with it in backend.schema.key_requests."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend.schema.common import (
    InvalidInput,
    KeyRequestNotEditable,
    NotAllowed,
    NotFound,
    RateLimited,
    UpgradeRefused,
)
from backend.schema.key_requests import KeyRequestType, UpgradeNotificationType
from backend.schema.registration import RegistrationInput

__all__ = ["UpgradeNotificationType"]  # the notifications mutation's answer, imported from here


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
    key_request: KeyRequestType


@strawberry.type
class UpgradeRequestSelectProductSuccess:
    key_request: KeyRequestType


@strawberry.type
class UpgradeRequestSetQuantitySuccess:
    key_request: KeyRequestType


@strawberry.type
class UpgradeRequestSetRegistrationSuccess:
    key_request: KeyRequestType


@strawberry.type
class UpgradeRequestConfirmSuccess:
    key_request: KeyRequestType


UpgradeRequestStartResult = Annotated[
    UpgradeRequestStartSuccess | UpgradeRefused | NotFound | NotAllowed | RateLimited,
    strawberry.union("UpgradeRequestStartResult"),
]
UpgradeRequestSelectProductResult = Annotated[
    UpgradeRequestSelectProductSuccess | UpgradeRefused | NotFound | NotAllowed | KeyRequestNotEditable,
    strawberry.union("UpgradeRequestSelectProductResult"),
]
UpgradeRequestSetQuantityResult = Annotated[
    UpgradeRequestSetQuantitySuccess
    | UpgradeRefused
    | InvalidInput
    | NotFound
    | NotAllowed
    | KeyRequestNotEditable,
    strawberry.union("UpgradeRequestSetQuantityResult"),
]
UpgradeRequestSetRegistrationResult = Annotated[
    UpgradeRequestSetRegistrationSuccess | InvalidInput | NotFound | NotAllowed | KeyRequestNotEditable,
    strawberry.union("UpgradeRequestSetRegistrationResult"),
]
UpgradeRequestConfirmResult = Annotated[
    UpgradeRequestConfirmSuccess
    | UpgradeRefused
    | InvalidInput
    | NotFound
    | NotAllowed
    | KeyRequestNotEditable,
    strawberry.union("UpgradeRequestConfirmResult"),
]
