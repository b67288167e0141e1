"""Single sign-on: an account's OpenID Connect connection as its admins see it (never the client
secret), the save and delete mutations, and the sign-in page's signInMethod."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry

from backend.db import models
from backend.domain.accounts import sso
from backend.schema.account_refs import AccountRef, AccountRow, UserRef, UserRow
from backend.schema.common import InvalidInput, NotFound, to_global_id


@strawberry.enum(name="SignInMethodKind", description="PASSWORD, or SSO: the company's identity provider.")
class SignInMethodKind(enum.Enum):
    PASSWORD = "PASSWORD"
    SSO = "SSO"


@strawberry.type(
    description="How an e-mail address signs in. Decided by the address's domain alone, so it says "
    "nothing about whether the address has a user."
)
class SignInMethod:
    method: SignInMethodKind
    start_url: str | None = strawberry.field(description="Where the browser goes to sign in (SSO only).")


@strawberry.type(name="SsoConnection", description="An account's OpenID Connect provider.")
class SsoConnectionType:
    id: strawberry.ID
    account: AccountRef
    issuer_url: str
    client_id: str
    client_secret_set: bool = strawberry.field(
        description="A client secret is stored (it is write-only: never shown again)."
    )
    domains: list[str]
    join_role: models.Role = strawberry.field(description="The role a user gets on first signing in.")
    require_sso: bool = strawberry.field(
        description="Passwords are refused for the domains (but the break-glass admin's)."
    )
    break_glass_user: UserRef | None
    redirect_uri: str = strawberry.field(description="The address to register with the provider.")
    test_url: str = strawberry.field(description="Opens a sign-in through the provider, to try it.")
    updated_at: datetime

    @classmethod
    def from_view(cls, view: sso.ConnectionView, redirect_uri: str) -> SsoConnectionType:
        row = view.connection
        return cls(
            id=to_global_id("SsoConnection", row.id),
            account=AccountRow.from_model(view.account),
            issuer_url=row.issuer_url,
            client_id=row.client_id,
            client_secret_set=bool(row.client_secret_encrypted),
            domains=view.domains,
            join_role=row.join_role,
            require_sso=row.require_sso,
            break_glass_user=None if view.break_glass is None else UserRow.from_model(view.break_glass),
            redirect_uri=redirect_uri,
            test_url=sso.test_path(view.account.number),
            updated_at=row.updated_at,
        )


@strawberry.input
class SsoConnectionSaveInput:
    account_id: strawberry.ID
    issuer_url: str = strawberry.field(description="The provider's issuer, e.g. https://login.example.com.")
    client_id: str
    client_secret: str | None = strawberry.field(
        default=None, description="Required the first time; null keeps the stored one."
    )
    domains: list[str] = strawberry.field(description="The e-mail domains the provider vouches for.")
    join_role: models.Role = models.Role.MEMBER
    require_sso: bool = False
    break_glass_user_id: strawberry.ID | None = strawberry.field(
        default=None, description="The admin who may still sign in with a password; required with requireSso."
    )


@strawberry.type
class SsoConnectionSaveSuccess:
    connection: SsoConnectionType


SsoConnectionSaveResult = Annotated[
    SsoConnectionSaveSuccess | InvalidInput | NotFound, strawberry.union("SsoConnectionSaveResult")
]


@strawberry.input
class SsoConnectionDeleteInput:
    account_id: strawberry.ID


@strawberry.type
class SsoConnectionDeleteSuccess:
    account_id: strawberry.ID


SsoConnectionDeleteResult = Annotated[
    SsoConnectionDeleteSuccess | NotFound, strawberry.union("SsoConnectionDeleteResult")
]
