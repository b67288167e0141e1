"""Users, accounts, memberships; sign-in and sign-up results.

The hub of the schema: `Account` shows every area's types (key requests, custom fields, licenses,
summary, delegations, members), so this module sits above the areas and imports them. The areas
never import it back: their `account` / `user` / `owner` fields return the plain rows of
backend.schema.account_refs, which the two types here accept as their own (`is_type_of`)."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated, Any

import strawberry

from backend.context import Info
from backend.db import models
from backend.domain.access import Permission, allows
from backend.domain.licenses import finding
from backend.schema.account_refs import AccountRow, UserRow
from backend.schema.catalog import ProductType, SerialType
from backend.schema.common import (
    EmailNotVerified,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    Node,
    RateLimited,
    SsoRequired,
)
from backend.schema.custom_fields import CustomFieldType
from backend.schema.delegations import DelegationType
from backend.schema.key_requests import KeyRequestType
from backend.schema.licenses import LicenseConnection, LicenseFilter, LicenseOrder, order_to_domain, shown
from backend.schema.members import AccountInvitationType, MemberType, account_invitations, account_members
from backend.schema.partners import AccountSummary
from backend.schema.registration import SupportRegistration


@strawberry.type(name="Account")
class AccountType(Node):
    name: str
    number: str
    kind: models.AccountKind

    account_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, row: models.Account) -> AccountType:
        return cls(**dataclasses.asdict(AccountRow.from_model(row)))

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        # An area's field returns an AccountRow: the fields below resolve from its attributes.
        return isinstance(obj, (cls, AccountRow))

    @strawberry.field(
        description="Serials a partner account holds for customers not registered yet (its members only)."
    )
    async def held_serials(
        self,
        info: Info,
        status: models.SerialStatus | None = models.SerialStatus.UNREGISTERED,
        first: int = 100,
    ) -> list[SerialType]:
        rows = await info.context.loaders.held_serials.load(
            (info.context.actor.user_id, self.account_id, status, first)
        )
        return [SerialType.from_model(serial, product) for serial, product in rows]

    @strawberry.field(description="The most recent support registration on this account (prefills wizards).")
    async def last_registration(self, info: Info) -> SupportRegistration | None:
        last = await info.context.loaders.last_registration.load(self.account_id)
        return None if last is None else SupportRegistration.from_data(last.data)

    @strawberry.field(description="Recent key requests, newest first (at most 50).")
    async def key_requests(self, info: Info, first: int = 20) -> list[KeyRequestType]:
        rows = await info.context.loaders.recent_key_requests.load(self.account_id)
        ttl = info.context.portal.settings.draft_ttl_days
        return [KeyRequestType.from_model(r, ttl) for r in rows[: max(0, min(first, 50))]]

    @strawberry.field(description="The account's custom license fields, by position.")
    async def custom_fields(self, info: Info) -> list[CustomFieldType]:
        role = await info.context.loaders.account_role.load((info.context.actor.user_id, self.account_id))
        if role is None:
            return []
        rows = await info.context.loaders.custom_fields_by_account.load(self.account_id)
        return [CustomFieldType.from_model(r) for r in rows]

    @strawberry.field(
        description="The products this account holds licenses of (the license list's product "
        "picker), by name and version; empty for those who may not see the account."
    )
    async def license_products(self, info: Info) -> list[ProductType]:
        role = await info.context.loaders.account_role.load((info.context.actor.user_id, self.account_id))
        if role is None:
            return []
        rows = await info.context.loaders.licensed_products_by_account.load(self.account_id)
        return [ProductType.from_model(r) for r in rows]

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
        filter: LicenseFilter | None = None,
        order_by: LicenseOrder | None = None,
    ) -> LicenseConnection:
        loaders = info.context.loaders
        role = await loaders.account_role.load((info.context.actor.user_id, self.account_id))
        if not allows(role, Permission.VIEW):
            return LicenseConnection.empty()
        flt = filter.to_domain() if filter else finding.Filter()
        order = order_to_domain(order_by)
        total: int | None
        if after is None:
            page, total = await loaders.account_first_page.load(
                (self.account_id, finding.clamp(first), flt, order, shown(info))
            )
        else:
            page = await loaders.account_license_page.load(
                (self.account_id, first, after, flt, order, shown(info))
            )
            total = None
        for product in page.products.values():
            loaders.product.prime(product.id, product)
        return LicenseConnection.from_page(page, total)

    @strawberry.field(
        description="Licenses by status, next maintenance end, open key requests (null without access)."
    )
    async def summary(self, info: Info) -> AccountSummary | None:
        loaders = info.context.loaders
        role = await loaders.account_role.load((info.context.actor.user_id, self.account_id))
        if not allows(role, Permission.VIEW):
            return None
        return AccountSummary.from_domain(await loaders.account_summary.load(self.account_id))

    @strawberry.field(
        description="Delegations on either side (customer or partner), for the account's own members."
    )
    async def delegations(self, info: Info) -> list[DelegationType]:
        rows = await info.context.loaders.delegations_by_account.load(
            (info.context.actor.user_id, self.account_id)
        )
        return [DelegationType.from_model(r) for r in rows]

    @strawberry.field(description="Everyone with a role on the account; for its members (others: empty).")
    async def members(self, info: Info) -> list[MemberType]:
        return await account_members(info, self.account_id)

    @strawberry.field(description="Pending invitations; ADMIN only (others: empty).")
    async def invitations(self, info: Info) -> list[AccountInvitationType]:
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
    user_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, row: models.User) -> UserType:
        return cls(**dataclasses.asdict(UserRow.from_model(row)))

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        # An area's field returns a UserRow: the fields below resolve from its attributes.
        return isinstance(obj, (cls, UserRow))

    @strawberry.field
    async def memberships(self, info: Info) -> list[MembershipType]:
        viewer = info.context.user
        rows = await info.context.loaders.memberships.load((viewer.id if viewer else None, self.user_id))
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


@strawberry.type(
    description="The password was right; the user signs in with a code from an authenticator app "
    "(or a recovery code) and this challenge: loginSecondFactor. The challenge works once, for 5 minutes."
)
class SecondFactorRequired:
    challenge: str
    message: str


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
    LoginSuccess
    | SecondFactorRequired
    | InvalidCredentials
    | EmailNotVerified
    | RateLimited
    | InvalidInput
    | SsoRequired,
    strawberry.union("LoginResult"),
]
SignUpResult = Annotated[SignUpSuccess | InvalidInput | RateLimited, strawberry.union("SignUpResult")]
VerifyEmailResult = Annotated[VerifyEmailSuccess | InvalidToken, strawberry.union("VerifyEmailResult")]
