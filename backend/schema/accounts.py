"""Users, accounts, memberships; sign-in and sign-up results."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.context import Info
from backend.db import models
from backend.domain import accounts as domain
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
    from backend.schema.key_requests import KeyRequestType

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
