"""Licenses, their signed keys and shares; the Manage My Licenses connection, filter and order
inputs."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar, cast

import strawberry
from strawberry.scalars import JSON

from backend.context import Info
from backend.db import models
from backend.domain.access import LicenseAccess, access_allows
from backend.domain.key_requests import rehost
from backend.domain.licenses import finding, history
from backend.domain.licenses.finding import EXPIRING_WITHIN_DAYS, LicenseStatus, license_status
from backend.schema.account_refs import AccountRef, AccountRow, UserRef, UserRow
from backend.schema.catalog import ProductType, SerialType
from backend.schema.common import InvalidInput, Node, NotFound, from_global_id, selects, to_global_id
from backend.schema.custom_fields import CustomFieldType, CustomValue, CustomValueInput, CustomValueRejected
from backend.schema.registration import RegistrationInput, SupportRegistration

__all__ = ["EXPIRING_WITHIN_DAYS", "LicenseStatus", "license_status"]

T = TypeVar("T")

strawberry.enum(
    LicenseStatus,
    name="LicenseStatus",
    description=f"One status rule everywhere, derived from state and dates (EXPIRING: maintenance ends "
    f"within {EXPIRING_WITHIN_DAYS} days).",
)
strawberry.enum(models.KeyStatus, name="LicenseKeyStatus")
strawberry.enum(
    LicenseAccess, name="LicenseAccess", description="What the signed-in user may do on this license."
)
strawberry.enum(models.SharePermission, name="SharePermission")


@strawberry.enum(name="SortDirection")
class SortDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


strawberry.enum(finding.SortField, name="LicenseSortField")


@strawberry.input
class CustomValueFilter:
    field_id: strawberry.ID
    value: str = strawberry.field(
        description="TEXT: case-insensitive equality; NUMBER/DATE: equality of the parsed value; CHOICE: the option"
    )


@strawberry.input
class LicenseFilter:
    product_sku: str | None = None
    status: list[LicenseStatus] | None = None
    expiring_within_days: int | None = strawberry.field(
        default=None,
        description="CURRENT licenses whose maintenance ends between today and today + N days.",
    )
    search: str | None = strawberry.field(
        default=None,
        description="Serial number, activation key, product name, text custom values (substring, case-insensitive).",
    )
    custom_fields: list[CustomValueFilter] | None = None

    def to_domain(self) -> finding.Filter:
        return finding.Filter(
            product_sku=self.product_sku,
            statuses=tuple(self.status or ()),
            expiring_within_days=self.expiring_within_days,
            search=self.search,
            custom=tuple(
                finding.CustomFilter(from_global_id(c.field_id, "CustomField"), c.value)
                for c in self.custom_fields or []
            ),
        )


@strawberry.input
class LicenseOrder:
    field: finding.SortField
    direction: SortDirection = SortDirection.ASC
    custom_field_id: strawberry.ID | None = None

    def to_domain(self) -> finding.Order:
        return finding.Order(
            field=self.field,
            descending=self.direction == SortDirection.DESC,
            custom_field_id=from_global_id(self.custom_field_id, "CustomField")
            if self.custom_field_id
            else None,
        )


def order_to_domain(order: LicenseOrder | None) -> finding.Order:
    return order.to_domain() if order is not None else finding.DEFAULT_ORDER


@strawberry.type(name="AuditEntry")
class AuditEntry:
    at: datetime
    action: str  # the event's code, e.g. license.activate
    data: JSON | None
    summary: str  # the event as a sentence: "Host pc-1 activated"
    actor_user_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    async def actor(self, info: Info) -> UserRef | None:
        if self.actor_user_id is None:
            return None
        user = await info.context.loaders.user.load(self.actor_user_id)
        return UserRow.from_model(user) if user else None


@strawberry.type(name="LicenseShare")
class LicenseShareType(Node):
    email: str
    permission: models.SharePermission
    created_at: datetime
    row: strawberry.Private[models.LicenseShare]

    @classmethod
    def from_model(cls, row: models.LicenseShare) -> LicenseShareType:
        return cls(
            id=to_global_id("LicenseShare", row.id),
            email=row.email,
            permission=row.permission,
            created_at=row.created_at,
            row=row,
        )

    @strawberry.field(description="Null until that e-mail signs up.")
    async def user(self, info: Info) -> UserRef | None:
        if self.row.user_id is None:
            return None
        user = await info.context.loaders.user.load(self.row.user_id)
        return UserRow.from_model(user) if user is not None else None


async def license_shares(info: Info, license_id: uuid.UUID) -> list[LicenseShareType]:
    """The license's shares, for its OWNER and account ADMINs only (others get an empty list)."""
    access = await info.context.loaders.license_access.load((info.context.actor.user_id, license_id))
    if not access_allows(access, LicenseAccess.ADMIN):
        return []
    return [
        LicenseShareType.from_model(s) for s in await info.context.loaders.shares_by_license.load(license_id)
    ]


async def _license_file(root: LicenseKeyType, info: Info) -> str:
    if root.file is not None:
        return root.file
    return await info.context.loaders.license_file.load(root.key_id)


@strawberry.type(name="LicenseKey")
class LicenseKeyType(Node):
    activation_key: str
    license_file: str = strawberry.field(
        resolver=_license_file, description="Compact JWS (EdDSA); save as <activationKey>.lic"
    )
    host_id: str | None
    kid: str
    status: models.KeyStatus
    issued_at: datetime
    license_id: strawberry.Private[uuid.UUID]
    key_id: strawberry.Private[uuid.UUID]
    # Known when the key was read whole; license lists read keys without it (see license_file).
    file: strawberry.Private[str | None]

    @classmethod
    def from_model(cls, row: models.LicenseKey | finding.KeyRow) -> LicenseKeyType:
        return cls(
            id=to_global_id("LicenseKey", row.id),
            activation_key=row.activation_key,
            host_id=row.host_id,
            kid=row.kid,
            status=row.status,
            issued_at=row.issued_at,
            license_id=row.license_id,
            key_id=row.id,
            file=row.license_file if isinstance(row, models.LicenseKey) else None,
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
    row: strawberry.Private[models.License | finding.LicenseRow]
    product_row: strawberry.Private[models.Product | None] = None  # see product

    @classmethod
    def from_model(
        cls, row: models.License | finding.LicenseRow, product: models.Product | None = None
    ) -> LicenseType:
        return cls(
            id=to_global_id("License", row.id),
            quantity=row.quantity,
            maintenance_until=row.maintenance_until,
            host_id=row.host_id,
            created_at=row.created_at,
            row=row,
            product_row=product,
        )

    # Lists hand each license its product, read with the page: product and status then resolve
    # without an await (thousands of fields on a big page); a license on its own loads it.
    @strawberry.field(graphql_type=ProductType)
    def product(self, info: Info) -> ProductType | Awaitable[ProductType]:
        if self.product_row is not None:
            return ProductType.from_model(self.product_row)
        return self._with_product(info, ProductType.from_model)

    @strawberry.field(graphql_type=LicenseStatus)
    def status(self, info: Info) -> LicenseStatus | Awaitable[LicenseStatus]:
        if self.product_row is not None:
            return self._status(self.product_row)
        return self._with_product(info, self._status)

    async def _with_product(self, info: Info, then: Callable[[models.Product], T]) -> T:
        return then(await info.context.loaders.product.load(self.row.product_id))

    def _status(self, product: models.Product) -> LicenseStatus:
        return license_status(
            self.row.state, self.row.maintenance_until, product.license_model, finding.today()
        )

    @strawberry.field
    async def owner(self, info: Info) -> UserRef | None:
        if self.row.owner_user_id is None:
            return None
        user = await info.context.loaders.user.load(self.row.owner_user_id)
        return UserRow.from_model(user) if user else None

    @strawberry.field(
        description="Who requested the license (the user of the key request that made it); null for "
        "licenses made outside the portal's key requests."
    )
    async def requested_by(self, info: Info) -> UserRef | None:
        requested = await info.context.loaders.requester_by_license.load(self.row.id)
        if requested is None:
            return None
        user = await info.context.loaders.user.load(requested.user_id)
        return UserRow.from_model(user) if user else None

    @strawberry.field(
        description="The partner account the requester acted from when a partner got the license "
        "for this account (then `owner` is null: the account owns it)."
    )
    async def requested_through(self, info: Info) -> AccountRef | None:
        requested = await info.context.loaders.requester_by_license.load(self.row.id)
        if requested is None or requested.through_account_id is None:
            return None
        return AccountRow.from_model(await info.context.loaders.account.load(requested.through_account_id))

    @strawberry.field(description="Only for OWNER/ADMIN access; empty list otherwise.")
    async def shares(self, info: Info) -> list[LicenseShareType]:
        return await license_shares(info, self.row.id)

    @strawberry.field(
        description="The custom fields of the account that owns the license, by position: what "
        "anyone who may see the license may read (a shared license shows its owner's fields; "
        "`access` says whether they may be edited)."
    )
    async def custom_fields(self, info: Info) -> list[CustomFieldType]:
        rows = await info.context.loaders.custom_fields_by_account.load(self.row.account_id)
        return [CustomFieldType.from_model(r) for r in rows]

    @strawberry.field(description="Values of the account's custom fields, by field position.")
    async def custom_values(self, info: Info) -> list[CustomValue]:
        rows = await info.context.loaders.custom_values_by_license.load(self.row.id)
        return [CustomValue(field=CustomFieldType.from_model(f), value=v) for f, v in rows]

    @strawberry.field(description="The license's audit events, newest first (at most 100).")
    async def history(self, info: Info) -> list[AuditEntry]:
        rows = await info.context.loaders.history_by_license.load(self.row.id)
        return [
            AuditEntry(
                at=r.at,
                action=r.action,
                data=cast(JSON, r.data),
                summary=history.summary(r.action, r.data),
                actor_user_id=r.actor_user_id,
            )
            for r in rows
        ]

    @strawberry.field(description="What the signed-in user may do on this license.")
    async def access(self, info: Info) -> LicenseAccess:
        actor = info.context.actor
        found = await info.context.loaders.license_access.load((actor.user_id, self.row.id))
        return found or LicenseAccess.VIEW

    @strawberry.field
    async def registration(self, info: Info) -> SupportRegistration | None:
        found = await info.context.loaders.registration_by_license.load(self.row.id)
        return None if found is None else SupportRegistration.from_data(found.data)

    @strawberry.field
    async def keys(self, info: Info) -> list[LicenseKeyType]:
        return [
            LicenseKeyType.from_model(k) for k in await info.context.loaders.keys_by_license.load(self.row.id)
        ]

    @strawberry.field
    async def account(self, info: Info) -> AccountRef:
        return AccountRow.from_model(await info.context.loaders.account.load(self.row.account_id))

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


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def _edge_cursor(root: LicenseEdge) -> str:
    return finding.encode_cursor(root.query, root.sort_values)


@strawberry.type
class LicenseEdge:
    # Encoded when asked for: a page of many accounts shows thousands of edges and few cursors.
    cursor: str = strawberry.field(resolver=_edge_cursor)
    node: LicenseType
    sort_values: strawberry.Private[tuple[Any, ...]]
    query: strawberry.Private[finding.Query]


@strawberry.type
class LicenseConnection:
    edges: list[LicenseEdge]
    page_info: PageInfo
    query: strawberry.Private[finding.Query | None]
    # Counted already (batched pages count all their accounts in one statement).
    total: strawberry.Private[int | None] = None

    @classmethod
    def empty(cls) -> LicenseConnection:
        return cls(
            edges=[],
            page_info=PageInfo(
                has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None
            ),
            query=None,
        )

    @classmethod
    def from_page(cls, page: finding.Page, total: int | None = None) -> LicenseConnection:
        query = page.query
        edges = [
            LicenseEdge(
                node=LicenseType.from_model(row, page.products[row.product_id]),
                sort_values=values,
                query=query,
            )
            for row, values in page.rows
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=page.cursor(0) if edges else None,
                end_cursor=page.cursor(-1) if edges else None,
            ),
            query=query,
            total=total,
        )

    @strawberry.field(description="All licenses matching the filter.")
    async def total_count(self, info: Info) -> int:
        if self.total is not None:
            return self.total
        if self.query is None:
            return 0
        return await info.context.loaders.license_count.load(self.query)


def shown(info: Info) -> finding.Shown:
    """What the query asks of a license connection's licenses besides their own columns."""
    return finding.Shown(
        keys=selects(info, "edges", "node", "keys"),
        custom_values=selects(info, "edges", "node", "customValues"),
    )


@strawberry.input
class LicensesSetCustomValuesInput:
    license_ids: list[strawberry.ID]
    values: list[CustomValueInput]


@strawberry.type
class LicensesSetCustomValuesSuccess:
    licenses: list[LicenseType]


@strawberry.input
class LicensesSetRegistrationInput:
    license_ids: list[strawberry.ID]
    registration: RegistrationInput


@strawberry.type
class LicensesSetRegistrationSuccess:
    licenses: list[LicenseType]


LicensesSetCustomValuesResult = Annotated[
    LicensesSetCustomValuesSuccess | CustomValueRejected | InvalidInput | NotFound,
    strawberry.union("LicensesSetCustomValuesResult"),
]
LicensesSetRegistrationResult = Annotated[
    LicensesSetRegistrationSuccess | InvalidInput | NotFound,
    strawberry.union("LicensesSetRegistrationResult"),
]
