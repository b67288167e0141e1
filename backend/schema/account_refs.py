"""How an area's type shows an account or a user without importing the hub.

The `Account` and `User` types (backend.schema.accounts) show every area's types on an account, so
that module sits above the areas and imports them; an area never imports it back (not even for
type checking). An area's `account` / `user` / `owner` field instead returns a plain frozen row
from here, annotated with `AccountRef` / `UserRef`:

- strawberry sees the hub type, looked up lazily when the schema is built (the GraphQL schema is the
  same as if the field named the hub type);
- the hub type takes such a row as one of its own (its `is_type_of`) and resolves its fields from
  the row's attributes (its method resolvers get the row as `self`);
- mypy sees a protocol of those attributes, which both the row and the hub type have: the
  resolvers' `AccountType.from_model(...)` fits an area's field as well as the area's own row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Protocol, TypeAlias

import strawberry

from backend.db import models
from backend.schema.common import to_global_id

# Registered here, below every type that shows them (the areas' members show roles too).
strawberry.enum(models.AccountKind, name="AccountKind")
strawberry.enum(models.Role, name="MembershipRole")


class AccountFields(Protocol):
    """What the Account type reads from its object: its columns and the account's id."""

    @property
    def id(self) -> strawberry.ID: ...
    @property
    def name(self) -> str: ...
    @property
    def number(self) -> str: ...
    @property
    def kind(self) -> models.AccountKind: ...
    @property
    def account_id(self) -> uuid.UUID: ...


class UserFields(Protocol):
    """What the User type reads from its object: its columns and the user's id."""

    @property
    def id(self) -> strawberry.ID: ...
    @property
    def email(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def email_verified(self) -> bool: ...
    @property
    def user_id(self) -> uuid.UUID: ...


@dataclass(frozen=True, slots=True)
class AccountRow:
    """An account as an area's field returns it: resolved by the Account type."""

    id: strawberry.ID
    name: str
    number: str
    kind: models.AccountKind
    account_id: uuid.UUID

    @classmethod
    def from_model(cls, row: models.Account) -> AccountRow:
        return cls(
            id=to_global_id("Account", row.id),
            name=row.name,
            number=row.number,
            kind=row.kind,
            account_id=row.id,
        )


@dataclass(frozen=True, slots=True)
class UserRow:
    """A user as an area's field returns it: resolved by the User type."""

    id: strawberry.ID
    email: str
    name: str
    email_verified: bool
    user_id: uuid.UUID

    @classmethod
    def from_model(cls, row: models.User) -> UserRow:
        return cls(
            id=to_global_id("User", row.id),
            email=row.email,
            name=row.name,
            email_verified=row.email_verified_at is not None,
            user_id=row.id,
        )


if TYPE_CHECKING:
    AccountRef: TypeAlias = AccountFields
    UserRef: TypeAlias = UserFields
else:
    # The names are looked up in the hub module when the schema is built (never imported here).
    AccountRef = Annotated["AccountType", strawberry.lazy("backend.schema.accounts")]  # noqa: F821
    UserRef = Annotated["UserType", strawberry.lazy("backend.schema.accounts")]  # noqa: F821
