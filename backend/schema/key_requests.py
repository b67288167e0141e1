"""Get a Key: the KeyRequest type, its inputs and mutation results."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry

from backend.context import Info
from backend.db import models
from backend.domain import key_requests as domain
from backend.schema.accounts import AccountType
from backend.schema.catalog import SerialType
from backend.schema.common import (
    InvalidInput,
    KeyRequestNotEditable,
    Node,
    NotFound,
    SerialNumbersRejected,
    to_global_id,
)
from backend.schema.licenses import LicenseKeyType, LicenseType
from backend.schema.registration import RegistrationInput, SupportRegistration

strawberry.enum(models.KeyRequestKind, name="KeyRequestKind")


@strawberry.enum(name="KeyRequestStatus", description="EXPIRED: a draft untouched for 7 days.")
class KeyRequestStatus(enum.Enum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    FULFILLING = "FULFILLING"
    READY = "READY"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"


@strawberry.enum(name="KeyRequestStep", description="Where the wizard stands: the next thing the user does.")
class KeyRequestStep(enum.Enum):
    SERIALS = "SERIALS"
    REGISTRATION = "REGISTRATION"
    CONFIRM = "CONFIRM"
    KEYS = "KEYS"


TERMINAL = {KeyRequestStatus.READY, KeyRequestStatus.FAILED, KeyRequestStatus.EXPIRED}


@strawberry.type(name="KeyRequest")
class KeyRequestType(Node):
    kind: models.KeyRequestKind
    status: KeyRequestStatus
    host_id: str | None
    failure_reason: str | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    submitted_at: datetime | None
    ready_at: datetime | None
    row: strawberry.Private[models.KeyRequest]

    @classmethod
    def from_model(cls, row: models.KeyRequest, ttl_days: int) -> KeyRequestType:
        status = (
            KeyRequestStatus.EXPIRED
            if domain.is_expired(row, ttl_days)
            else KeyRequestStatus(row.status.value)
        )
        return cls(
            id=to_global_id("KeyRequest", row.id),
            kind=row.kind,
            status=status,
            host_id=row.host_id,
            failure_reason=row.failure_reason,
            created_at=row.created_at,
            updated_at=row.updated_at,
            expires_at=domain.expires_at(row, ttl_days),
            submitted_at=row.submitted_at,
            ready_at=row.ready_at,
            row=row,
        )

    async def _products(self, info: Info) -> list[models.Product]:
        serials = await info.context.loaders.serials_by_key_request.load(self.row.id)
        return list(await info.context.loaders.product.load_many([s.product_id for s in serials]))

    @strawberry.field
    async def account(self, info: Info) -> AccountType:
        return AccountType.from_model(await info.context.loaders.account.load(self.row.account_id))

    @strawberry.field
    async def serials(self, info: Info) -> list[SerialType]:
        serials = await info.context.loaders.serials_by_key_request.load(self.row.id)
        products = await info.context.loaders.product.load_many([s.product_id for s in serials])
        return [SerialType.from_model(s, p) for s, p in zip(serials, products, strict=True)]

    @strawberry.field(description="True when a serial's product is host-locked: hostId is then required.")
    async def requires_host_id(self, info: Info) -> bool:
        return domain.requires_host(await self._products(info))

    @strawberry.field
    async def step(self, info: Info) -> KeyRequestStep:
        if self.row.status != models.KeyRequestStatus.DRAFT:
            return KeyRequestStep.KEYS
        products = await self._products(info)
        if not products:
            return KeyRequestStep.SERIALS
        if self.row.registration is None or (domain.requires_host(products) and not self.row.host_id):
            return KeyRequestStep.REGISTRATION
        return KeyRequestStep.CONFIRM

    @strawberry.field(description="The registration entered in this request, or null before that step.")
    def registration(self) -> SupportRegistration | None:
        return SupportRegistration.from_data(self.row.registration)

    @strawberry.field(description="Prefill for the registration step: the account's last registration.")
    async def suggested_registration(self, info: Info) -> SupportRegistration | None:
        return SupportRegistration.from_data(
            await info.context.loaders.last_registration.load(self.row.account_id)
        )

    @strawberry.field
    async def licenses(self, info: Info) -> list[LicenseType]:
        rows = await info.context.loaders.licenses_by_key_request.load(self.row.id)
        return [LicenseType.from_model(r) for r in rows]

    @strawberry.field
    async def keys(self, info: Info) -> list[LicenseKeyType]:
        rows = await info.context.loaders.keys_by_key_request.load(self.row.id)
        return [LicenseKeyType.from_model(r) for r in rows]


@strawberry.input
class KeyRequestStartInput:
    account_id: strawberry.ID


@strawberry.input
class KeyRequestEnterSerialsInput:
    key_request_id: strawberry.ID
    serial_numbers: list[str]


@strawberry.input
class KeyRequestRemoveSerialInput:
    key_request_id: strawberry.ID
    serial_number: str


@strawberry.input
class KeyRequestSetRegistrationInput:
    key_request_id: strawberry.ID
    registration: RegistrationInput
    host_id: str | None = None


@strawberry.input
class KeyRequestConfirmInput:
    key_request_id: strawberry.ID
    idempotency_key: str = strawberry.field(
        description="Unique per confirmation; a retry with it returns the same result."
    )


@strawberry.type
class KeyRequestStartSuccess:
    key_request: KeyRequestType


@strawberry.type
class KeyRequestEnterSerialsSuccess:
    key_request: KeyRequestType


@strawberry.type
class KeyRequestRemoveSerialSuccess:
    key_request: KeyRequestType


@strawberry.type
class KeyRequestSetRegistrationSuccess:
    key_request: KeyRequestType


@strawberry.type
class KeyRequestConfirmSuccess:
    key_request: KeyRequestType


KeyRequestStartResult = Annotated[
    KeyRequestStartSuccess | NotFound | InvalidInput, strawberry.union("KeyRequestStartResult")
]
KeyRequestEnterSerialsResult = Annotated[
    KeyRequestEnterSerialsSuccess | SerialNumbersRejected | NotFound | KeyRequestNotEditable | InvalidInput,
    strawberry.union("KeyRequestEnterSerialsResult"),
]
KeyRequestRemoveSerialResult = Annotated[
    KeyRequestRemoveSerialSuccess | NotFound | KeyRequestNotEditable,
    strawberry.union("KeyRequestRemoveSerialResult"),
]
KeyRequestSetRegistrationResult = Annotated[
    KeyRequestSetRegistrationSuccess | InvalidInput | NotFound | KeyRequestNotEditable,
    strawberry.union("KeyRequestSetRegistrationResult"),
]
KeyRequestConfirmResult = Annotated[
    KeyRequestConfirmSuccess | SerialNumbersRejected | NotFound | KeyRequestNotEditable | InvalidInput,
    strawberry.union("KeyRequestConfirmResult"),
]
