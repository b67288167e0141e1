"""Users, accounts, memberships; sign-in and sign-up results."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.context import Info
from backend.db import models
from backend.domain.accounts import users as domain
from backend.schema.catalog import SerialType
from backend.schema.common import (
    EmailNotVerified,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    Node,
    RateLimited,
    to_global_id,
)
from backend.schema.registration import SupportRegistration

if TYPE_CHECKING:
    from backend.schema.custom_fields import CustomFieldType
    from backend.schema.delegations import DelegationType
    from backend.schema.key_requests import KeyRequestType
    from backend.schema.licenses import LicenseConnection, LicenseFilter, LicenseOrder
    from backend.schema.members import AccountInvitationType, MemberType
    from backend.schema.partners import AccountSummary

strawberry.enum(models.AccountKind, name="AccountKind")
strawberry.enum(models.Role, name="MembershipRole")


@strawberry.type(name="Account")
class AccountType(Node):
    name: str
    number: str
    kind: models.AccountKind

    account_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, row: models.Account) -> AccountType:
        return cls(
            id=to_global_id("Account", row.id),
            name=row.name,
            number=row.number,
            kind=row.kind,
            account_id=row.id,
        )

    @strawberry.field(
        description="Serials a partner account holds for customers not registered yet (its members only)."
    )
    async def held_serials(
        self,
        info: Info,
        status: models.SerialStatus | None = models.SerialStatus.UNREGISTERED,
        first: int = 100,
    ) -> list[SerialType]:
        from backend.domain import catalog
        from backend.domain.partners import delegations

        async with info.context.loaders.session() as session:
            if await delegations.own_role(session, info.context.actor.user_id, self.account_id) is None:
                return []
            rows = await catalog.held_serials(session, self.account_id, status, first)
        return [SerialType.from_model(serial, product) for serial, product in rows]

    @strawberry.field(description="The most recent support registration on this account (prefills wizards).")
    async def last_registration(self, info: Info) -> SupportRegistration | None:
        return SupportRegistration.from_data(
            await info.context.loaders.last_registration.load(self.account_id)
        )

    @strawberry.field(description="Recent key requests, newest first (at most 50).")
    async def key_requests(
        self, info: Info, first: int = 20
    ) -> list[Annotated[KeyRequestType, strawberry.lazy("backend.schema.key_requests")]]:
        from backend.schema.key_requests import KeyRequestType as KeyRequestType_

        rows = await info.context.loaders.recent_key_requests.load(self.account_id)
        ttl = info.context.portal.settings.draft_ttl_days
        return [KeyRequestType_.from_model(r, ttl) for r in rows[: max(0, min(first, 50))]]

    @strawberry.field(description="The account's custom license fields, by position.")
    async def custom_fields(
        self, info: Info
    ) -> list[Annotated[CustomFieldType, strawberry.lazy("backend.schema.custom_fields")]]:
        from backend.schema.custom_fields import CustomFieldType as CustomFieldType_

        role = await info.context.loaders.account_role.load((info.context.actor.user_id, self.account_id))
        if role is None:
            return []
        rows = await info.context.loaders.custom_fields_by_account.load(self.account_id)
        return [CustomFieldType_.from_model(r) for r in rows]

    @strawberry.field(description="The signed-in user's effective role on this account.")
    async def viewer_role(self, info: Info) -> models.Role | None:
        role: models.Role | None = await info.context.loaders.account_role.load(
            (info.context.actor.user_id, self.account_id)
        )
        return role

    @strawberry.field(
        description="This account's licenses, filtered and ordered (first ≤ 100); the first pages of many "
        "accounts (managedAccounts) are read together. Empty without access."
    )
    async def licenses(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        filter: Annotated[LicenseFilter, strawberry.lazy("backend.schema.licenses")] | None = None,
        order_by: Annotated[LicenseOrder, strawberry.lazy("backend.schema.licenses")] | None = None,
    ) -> Annotated[LicenseConnection, strawberry.lazy("backend.schema.licenses")]:
        from backend.domain.access import Permission, allows
        from backend.domain.licenses import finding
        from backend.schema.licenses import LicenseConnection as LicenseConnection_
        from backend.schema.licenses import order_to_domain, shown

        loaders = info.context.loaders
        role = await loaders.account_role.load((info.context.actor.user_id, self.account_id))
        if not allows(role, Permission.VIEW):
            return LicenseConnection_.empty()
        flt = filter.to_domain() if filter else finding.Filter()
        order = order_to_domain(order_by)
        total: int | None
        if after is None:
            page, total = await loaders.account_first_page.load(
                (self.account_id, finding.clamp(first), flt, order, shown(info))
            )
        else:
            async with loaders.session() as session:
                query = await finding.prepare(session, finding.Scope(account_id=self.account_id), flt, order)
                page = await finding.page(session, query, first, after)
                await loaders.read_shown(session, [page], shown(info))
            total = None
        for product in page.products.values():
            loaders.product.prime(product.id, product)
        return LicenseConnection_.from_page(page, total)

    @strawberry.field(
        description="Licenses by status, next maintenance end, open key requests (null without access)."
    )
    async def summary(
        self, info: Info
    ) -> Annotated[AccountSummary, strawberry.lazy("backend.schema.partners")] | None:
        from backend.domain.access import Permission, allows
        from backend.schema.partners import AccountSummary as AccountSummary_

        loaders = info.context.loaders
        role = await loaders.account_role.load((info.context.actor.user_id, self.account_id))
        if not allows(role, Permission.VIEW):
            return None
        return AccountSummary_.from_domain(await loaders.account_summary.load(self.account_id))

    @strawberry.field(
        description="Delegations on either side (customer or partner), for the account's own members."
    )
    async def delegations(
        self, info: Info
    ) -> list[Annotated[DelegationType, strawberry.lazy("backend.schema.delegations")]]:
        from backend.domain.partners import delegations
        from backend.schema.delegations import DelegationType as DelegationType_

        async with info.context.loaders.session() as session:
            rows = await delegations.for_account(session, info.context.actor, self.account_id)
        return [DelegationType_.from_model(r) for r in rows]

    @strawberry.field(description="Everyone with a role on the account; for its members (others: empty).")
    async def members(
        self, info: Info
    ) -> list[Annotated[MemberType, strawberry.lazy("backend.schema.members")]]:
        from backend.schema.members import account_members

        return await account_members(info, self.account_id)

    @strawberry.field(description="Pending invitations; ADMIN only (others: empty).")
    async def invitations(
        self, info: Info
    ) -> list[Annotated[AccountInvitationType, strawberry.lazy("backend.schema.members")]]:
        from backend.schema.members import account_invitations

        return await account_invitations(info, self.account_id)


@strawberry.type(name="Membership")
class MembershipType:
    role: models.Role
    account: AccountType


@strawberry.type(name="User")
class UserType(Node):
    email: str
    name: str
    email_verified: bool
    row: strawberry.Private[models.User]

    @classmethod
    def from_model(cls, row: models.User) -> UserType:
        return cls(
            id=to_global_id("User", row.id),
            email=row.email,
            name=row.name,
            email_verified=row.email_verified_at is not None,
            row=row,
        )

    @strawberry.field
    async def memberships(self, info: Info) -> list[MembershipType]:
        viewer = info.context.user
        if viewer is not None and viewer.id != self.row.id:
            return []  # a colleague's other accounts are not for others to see
        async with info.context.loaders.session() as session:
            rows = await domain.memberships(session, self.row.id)
        return [MembershipType(role=role, account=AccountType.from_model(account)) for role, account in rows]


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.input
class SignUpInput:
    email: str
    password: str
    name: str
    company: str


@strawberry.input
class VerifyEmailInput:
    token: str


@strawberry.type
class LoginSuccess:
    user: UserType


@strawberry.type
class LogoutSuccess:
    ok: bool


@strawberry.type
class SignUpSuccess:
    email: str
    message: str


@strawberry.type
class VerifyEmailSuccess:
    user: UserType


LoginResult = Annotated[
    LoginSuccess | InvalidCredentials | EmailNotVerified | RateLimited | InvalidInput,
    strawberry.union("LoginResult"),
]
SignUpResult = Annotated[SignUpSuccess | InvalidInput | RateLimited, strawberry.union("SignUpResult")]
VerifyEmailResult = Annotated[VerifyEmailSuccess | InvalidToken, strawberry.union("VerifyEmailResult")]
