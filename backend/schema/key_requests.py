"""Get a Key: the KeyRequest type, its inputs and mutation results."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Annotated

import strawberry

from backend.context import Info
from backend.db import models
from backend.domain.key_requests import get_a_key as domain
from backend.domain.key_requests import pipeline
from backend.domain.key_requests.wizard import WizardStep, current_step
from backend.loaders.licenses import Registered
from backend.schema.account_refs import AccountRef, AccountRow, UserRef, UserRow
from backend.schema.catalog import ProductType, SerialType
from backend.schema.common import (
    FlexContractNotActive,
    FlexPointsExhausted,
    FlexRefused,
    InvalidInput,
    KeyRequestNotEditable,
    Node,
    NotAllowed,
    NotFound,
    RateLimited,
    SerialNumbersRejected,
    to_global_id,
)
from backend.schema.flex import FlexCartLineType, FlexContractType
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


strawberry.enum(
    WizardStep, name="KeyRequestStep", description="Where the wizard stands: the next thing the user does."
)


TERMINAL = {KeyRequestStatus.READY, KeyRequestStatus.FAILED, KeyRequestStatus.EXPIRED}


@strawberry.type(
    name="RenewalCandidate", description="A renewal serial in the request and the licenses it can extend."
)
class RenewalCandidateType:
    serial_number: str
    product: ProductType
    licenses: list[LicenseType]


@strawberry.type(name="Renewal")
class RenewalType:
    serial_number: str
    license: LicenseType
    new_maintenance_until: date


strawberry.enum(models.EmailStatus, name="DeliveryStatus")


@strawberry.type(description="A mail of a key request's keys: QUEUED, SENT, FAILED (error says why) or HELD.")
class KeyDelivery:
    recipient: str
    status: models.EmailStatus
    error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def from_model(cls, row: models.EmailMessage) -> KeyDelivery:
        return cls(
            recipient=row.to_address,
            status=row.status,
            error=row.error,
            created_at=row.created_at,
            sent_at=row.sent_at,
        )


# Version Upgrade, as a key request shows it (the wizard's inputs and results: schema.upgrades).


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


@strawberry.type(description="Who entered a support registration's details last, and when.")
class RegistrationSource:
    entered_at: datetime
    by_you: bool = strawberry.field(description="You entered them: nothing to point out.")
    entered_by_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Null when not known (details entered before this was recorded).")
    async def entered_by(self, info: Info) -> UserRef | None:
        if self.entered_by_id is None:
            return None
        return UserRow.from_model(await info.context.loaders.user.load(self.entered_by_id))


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
    upgrade_quantity: int | None
    row: strawberry.Private[models.KeyRequest]

    @classmethod
    def from_model(cls, row: models.KeyRequest, ttl_days: int) -> KeyRequestType:
        status = (
            KeyRequestStatus.EXPIRED
            if pipeline.is_expired(row, ttl_days)
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
            expires_at=pipeline.expires_at(row, ttl_days),
            submitted_at=row.submitted_at,
            ready_at=row.ready_at,
            upgrade_quantity=row.upgrade_quantity,
            row=row,
        )

    @property
    def _draft(self) -> bool:
        return self.row.status == models.KeyRequestStatus.DRAFT

    async def _serials(self, info: Info) -> list[tuple[models.Serial, models.Product]]:
        serials = await info.context.loaders.serials_by_key_request.load(self.row.id)
        products = await info.context.loaders.product.load_many([s.product_id for s in serials])
        return list(zip(serials, products, strict=True))

    async def _new_products(self, info: Info) -> list[models.Product]:
        return [p for s, p in await self._serials(info) if s.kind == models.SerialKind.NEW]

    async def _cart_products(self, info: Info) -> list[models.Product]:
        if self.row.kind != models.KeyRequestKind.FLEX:
            return []
        lines = await info.context.loaders.flex_cart.load(self.row.id)
        return list(await info.context.loaders.product.load_many([line.product_id for line in lines]))

    # ---- Enterprise Flexible draw-downs

    @strawberry.field(description="The contract a draw-down (FLEX) draws from.")
    async def flex_contract(self, info: Info) -> FlexContractType | None:
        if self.row.flex_contract_id is None:
            return None
        loaders = info.context.loaders
        contract = await loaders.flex_contract.load(self.row.flex_contract_id)
        role = await loaders.flex_role.load((info.context.actor.user_id, contract.id))
        return FlexContractType.from_model(contract, role)

    @strawberry.field(description="A draw-down's cart, in the order it was given.")
    async def flex_items(self, info: Info) -> list[FlexCartLineType]:
        return await self._flex_lines(info)

    async def _flex_lines(self, info: Info) -> list[FlexCartLineType]:
        if self.row.kind != models.KeyRequestKind.FLEX or self.row.flex_contract_id is None:
            return []
        loaders = info.context.loaders
        lines = await loaders.flex_cart.load(self.row.id)
        prices = {
            i.product_id: i.points_per_unit
            for i in await loaders.flex_catalog.load(self.row.flex_contract_id)
        }
        return [
            FlexCartLineType(
                quantity=line.quantity,
                points_per_unit=prices.get(line.product_id),
                product_id=line.product_id,
            )
            for line in lines
        ]

    @strawberry.field(
        description="What the draw-down's cart costs in points at the catalog's current prices."
    )
    async def flex_cost_points(self, info: Info) -> int | None:
        if self.row.kind != models.KeyRequestKind.FLEX:
            return None
        return sum(line.quantity * (line.points_per_unit or 0) for line in await self._flex_lines(info))

    @strawberry.field
    async def account(self, info: Info) -> AccountRef:
        return AccountRow.from_model(await info.context.loaders.account.load(self.row.account_id))

    @strawberry.field(description="Who started the request.")
    async def requested_by(self, info: Info) -> UserRef:
        return UserRow.from_model(await info.context.loaders.user.load(self.row.user_id))

    @strawberry.field(
        description="The partner account the requester acted from, when a partner works for the account."
    )
    async def acting_account(self, info: Info) -> AccountRef | None:
        partner = await info.context.loaders.key_request_partner.load(self.row.id)
        return (
            None
            if partner is None
            else AccountRow.from_model(await info.context.loaders.account.load(partner))
        )

    @strawberry.field(
        description="What the request is for: the products of its licenses once confirmed; before, of "
        "its serials, cart, upgrade target or the license it moves."
    )
    async def products(self, info: Info) -> list[ProductType]:
        loaders = info.context.loaders
        ids = await loaders.products_by_key_request.load(self.row.id)
        return [ProductType.from_model(p) for p in await loaders.product.load_many(ids)]

    @strawberry.field
    async def serials(self, info: Info) -> list[SerialType]:
        return [SerialType.from_model(s, p) for s, p in await self._serials(info)]

    @strawberry.field(
        description="True when a new purchase is of a host-locked product: hostId is then required."
    )
    async def requires_host_id(self, info: Info) -> bool:
        if self.row.kind == models.KeyRequestKind.REHOST:
            return True
        if self.row.kind == models.KeyRequestKind.FLEX:
            return domain.requires_host(await self._cart_products(info))
        return domain.requires_host(await self._new_products(info))

    @strawberry.field
    async def step(self, info: Info) -> WizardStep:
        async def renewal_targets() -> set[uuid.UUID]:
            return {r.serial_id for r in await info.context.loaders.renewals_by_key_request.load(self.row.id)}

        return await current_step(
            self.row, lambda: self._serials(info), renewal_targets, lambda: self._cart_products(info)
        )

    @strawberry.field(description="The registration entered in this request, or null before that step.")
    def registration(self) -> SupportRegistration | None:
        return SupportRegistration.from_data(self.row.registration)

    @strawberry.field(
        description="Prefill for the registration step: the upgraded license's registration, else the account's last one."
    )
    async def suggested_registration(self, info: Info) -> SupportRegistration | None:
        found = await self._prefill(info)
        return None if found is None else SupportRegistration.from_data(found.data)

    @strawberry.field(
        description="Whose details suggestedRegistration shows: who entered them and when (null without a prefill)."
    )
    async def suggested_registration_source(self, info: Info) -> RegistrationSource | None:
        found = await self._prefill(info)
        if found is None or found.entered_at is None:
            return None
        by = found.entered_by_user_id
        return RegistrationSource(
            entered_at=found.entered_at,
            by_you=by == info.context.actor.user_id,
            entered_by_id=by,
        )

    async def _prefill(self, info: Info) -> Registered | None:
        loaders = info.context.loaders
        if self.row.license_id is not None:
            found = await loaders.registration_by_license.load(self.row.license_id)
            if found is not None and found.data:
                return found
        return await loaders.last_registration.load(self.row.account_id)

    @strawberry.field(description="The licenses this request created, renewed, upgraded or re-hosted.")
    async def licenses(self, info: Info) -> list[LicenseType]:
        if self._draft:  # linked at confirmation
            return []
        rows = await info.context.loaders.licenses_by_key_request.load(self.row.id)
        return [LicenseType.from_model(r) for r in rows]

    @strawberry.field
    async def keys(self, info: Info) -> list[LicenseKeyType]:
        # Fulfilment signs the keys in the transaction that makes the request READY: before that
        # (a draft, or SUBMITTED / FULFILLING / FAILED) there are none to read.
        if self.row.status != models.KeyRequestStatus.READY:
            return []
        rows = await info.context.loaders.keys_by_key_request.load(self.row.id)
        return [LicenseKeyType.from_model(r) for r in rows]

    @strawberry.field(description="Keys signed so far: progress while a large request is FULFILLING.")
    async def keys_ready(self, info: Info) -> int:
        return (await info.context.loaders.key_progress.load(self.row.id))[0]

    @strawberry.field(description="Keys this request signs (one per license it links; 0 for a draft).")
    async def keys_total(self, info: Info) -> int:
        return (await info.context.loaders.key_progress.load(self.row.id))[1]

    @strawberry.field(description="Every mail of this request's keys, oldest first, with its outbox status.")
    async def deliveries(self, info: Info) -> list[KeyDelivery]:
        rows = await info.context.loaders.mails_by_key_request.load(self.row.id)
        return [KeyDelivery.from_model(r) for r in rows]

    # ---- renewals (Get a Key)

    @strawberry.field(
        description="One entry per renewal serial: the licenses of its product on this account."
    )
    async def renewal_candidates(self, info: Info) -> list[RenewalCandidateType]:
        renewals = [(s, p) for s, p in await self._serials(info) if s.kind == models.SerialKind.RENEWAL]
        if not renewals:
            return []
        candidates = await info.context.loaders.renewal_candidates.load_many(
            [(self.row.account_id, p.id) for _, p in renewals]
        )
        return [
            RenewalCandidateType(
                serial_number=s.number,
                product=ProductType.from_model(p),
                licenses=[LicenseType.from_model(c) for c in licenses],
            )
            for (s, p), licenses in zip(renewals, candidates, strict=True)
        ]

    @strawberry.field(
        description="The license each renewal serial extends, and its maintenance end after it."
    )
    async def renewals(self, info: Info) -> list[RenewalType]:
        serials = await self._serials(info)
        if not any(s.kind == models.SerialKind.RENEWAL for s, _ in serials):
            return []
        chosen = {
            r.serial_id: r.license_id
            for r in await info.context.loaders.renewals_by_key_request.load(self.row.id)
        }
        result = []
        for serial, _ in serials:
            if serial.id in chosen:
                license_ = await info.context.loaders.license.load(chosen[serial.id])
                result.append(
                    RenewalType(
                        serial_number=serial.number,
                        license=LicenseType.from_model(license_),
                        new_maintenance_until=domain.renewed_until(
                            license_.maintenance_until, serial.maintenance_months, date.today()
                        ),
                    )
                )
        return result

    # ---- Version Upgrade

    @strawberry.field
    async def notification(self, info: Info) -> UpgradeNotificationType | None:
        if self.row.notification_id is None:
            return None
        return UpgradeNotificationType.from_model(
            await info.context.loaders.notification.load(self.row.notification_id)
        )

    @strawberry.field(
        description="The licenses of the notification and how many seats each may still upgrade."
    )
    async def upgrade_options(self, info: Info) -> list[UpgradeOptionType]:
        if self.row.notification_id is None:
            return []
        loaders = info.context.loaders
        notification = await loaders.notification.load(self.row.notification_id)
        lines = await loaders.lines_by_notification.load(notification.id)
        licenses = await loaders.license.load_many([line.license_id for line in lines])
        source, target = await loaders.product.load_many(
            [notification.from_product_id, notification.to_product_id]
        )
        return [
            UpgradeOptionType(
                license=LicenseType.from_model(license_),
                from_product=ProductType.from_model(source),
                to_product=ProductType.from_model(target),
                eligible_quantity=line.eligible_quantity,
                remaining_quantity=max(0, line.eligible_quantity - line.upgraded_quantity)
                if license_.state == models.LicenseState.CURRENT
                else 0,
            )
            for line, license_ in zip(lines, licenses, strict=True)
        ]

    @strawberry.field(description="The license chosen to upgrade (UPGRADE) or re-host (REHOST).")
    async def upgrade_license(self, info: Info) -> LicenseType | None:
        if self.row.license_id is None or self.row.kind != models.KeyRequestKind.UPGRADE:
            return None
        return LicenseType.from_model(await info.context.loaders.license.load(self.row.license_id))

    # ---- re-host

    @strawberry.field(description="The key being moved (REHOST).")
    async def source_key(self, info: Info) -> LicenseKeyType | None:
        if self.row.source_key_id is None:
            return None
        return LicenseKeyType.from_model(await info.context.loaders.license_key.load(self.row.source_key_id))


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


@strawberry.input
class RenewalTargetInput:
    serial_number: str
    license_id: strawberry.ID


@strawberry.input
class KeyRequestSelectRenewalsInput:
    key_request_id: strawberry.ID
    renewals: list[RenewalTargetInput]


@strawberry.type
class KeyRequestSelectRenewalsSuccess:
    key_request: KeyRequestType


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
    KeyRequestStartSuccess | NotFound | NotAllowed | InvalidInput, strawberry.union("KeyRequestStartResult")
]
KeyRequestEnterSerialsResult = Annotated[
    KeyRequestEnterSerialsSuccess
    | SerialNumbersRejected
    | NotFound
    | NotAllowed
    | KeyRequestNotEditable
    | InvalidInput,
    strawberry.union("KeyRequestEnterSerialsResult"),
]
KeyRequestRemoveSerialResult = Annotated[
    KeyRequestRemoveSerialSuccess | NotFound | NotAllowed | KeyRequestNotEditable,
    strawberry.union("KeyRequestRemoveSerialResult"),
]
KeyRequestSetRegistrationResult = Annotated[
    KeyRequestSetRegistrationSuccess | InvalidInput | NotFound | NotAllowed | KeyRequestNotEditable,
    strawberry.union("KeyRequestSetRegistrationResult"),
]
KeyRequestConfirmResult = Annotated[
    KeyRequestConfirmSuccess
    | SerialNumbersRejected
    | NotFound
    | NotAllowed
    | KeyRequestNotEditable
    | InvalidInput
    | FlexPointsExhausted
    | FlexContractNotActive
    | FlexRefused,
    strawberry.union("KeyRequestConfirmResult"),
]
KeyRequestSelectRenewalsResult = Annotated[
    KeyRequestSelectRenewalsSuccess | InvalidInput | NotFound | NotAllowed | KeyRequestNotEditable,
    strawberry.union("KeyRequestSelectRenewalsResult"),
]


@strawberry.input
class KeyRequestResendKeysInput:
    key_request_id: strawberry.ID
    email: str | None = strawberry.field(
        default=None, description="Another address; by default the technical contact's."
    )


@strawberry.input
class KeyRequestDiscardInput:
    key_request_id: strawberry.ID


@strawberry.type
class KeyRequestDiscardSuccess:
    key_request_id: strawberry.ID = strawberry.field(description="The draft that is gone.")


@strawberry.type
class KeyRequestResendKeysSuccess:
    key_request: KeyRequestType
    delivery: KeyDelivery = strawberry.field(
        description="The mail just made: QUEUED (it goes out shortly) or HELD (no mail server is "
        "configured: it waits on the Messages page)."
    )


KeyRequestDiscardResult = Annotated[
    KeyRequestDiscardSuccess | KeyRequestNotEditable | NotFound | NotAllowed,
    strawberry.union("KeyRequestDiscardResult"),
]
KeyRequestResendKeysResult = Annotated[
    KeyRequestResendKeysSuccess | KeyRequestNotEditable | InvalidInput | RateLimited | NotFound | NotAllowed,
    strawberry.union("KeyRequestResendKeysResult"),
]
