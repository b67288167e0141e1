"""Where converted licenses go: the OEM's own account, another account the caller may request keys
for, or an end customer's e-mail. An e-mail gets a customer account of its own (one per OEM and
address, reused by later conversions) which the address's user joins as its admin: at once when a
verified user has it, else on sign-in or verification, as invitations are claimed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, bindparam, insert, select

from backend.db.driver import DriverTransaction, Prepared
from backend.db.models import (
    Account,
    AccountInvitation,
    AccountKind,
    Membership,
    Role,
    User,
    VoucherConversion,
    utcnow,
)
from backend.domain.access import Actor, Permission, require
from backend.domain.accounts.users import new_account_number
from backend.domain.errors import NotFoundError

# The end customer may sign up long after the machine shipped.
CLAIM_TTL = timedelta(days=365)

_accounts, _conversions, _users, _memberships, _invitations = (
    cast(Table, m.__table__) for m in (Account, VoucherConversion, User, Membership, AccountInvitation)
)


@dataclass(frozen=True)
class Target:
    account_id: uuid.UUID
    email: str | None = None
    created: bool = False  # a new customer account made for the e-mail


async def for_account(tx: DriverTransaction, actor: Actor, account_id: uuid.UUID | None) -> Target:
    """Another account: the caller must be able to request keys on it (else the unknown-id answer)."""
    if account_id is None:
        raise NotFoundError("target.accountId", "account")
    await require(
        tx,
        actor,
        account_id,
        Permission.REQUEST_KEYS,
        field="target.accountId",
        what="account",
        action="receive licenses",
    )
    return Target(account_id)


_EARLIER = Prepared(
    select(_conversions.c.target_account_id)
    .where(
        _conversions.c.account_id == bindparam("oem_id"), _conversions.c.target_email == bindparam("email")
    )
    .limit(1)
)
_NEW_ACCOUNT = Prepared(insert(_accounts), ["id", "number", "name", "kind", "created_at"])
_VERIFIED_USER = Prepared(
    select(_users.c.id).where(_users.c.email == bindparam("email"), _users.c.email_verified_at.is_not(None))
)
_NEW_MEMBERSHIP = Prepared(insert(_memberships), ["id", "user_id", "account_id", "role", "created_at"])
_NEW_INVITATION = Prepared(
    insert(_invitations),
    ["id", "account_id", "email", "role", "invited_by_user_id", "created_at", "expires_at", "accepted_at"],
)


async def for_email(tx: DriverTransaction, actor: Actor, oem_id: uuid.UUID, email: str) -> Target:
    """The customer account this OEM's conversions for `email` go to (made on first use)."""
    earlier = await tx.one(_EARLIER, {"oem_id": oem_id, "email": email})
    if earlier is not None:
        return Target(earlier["target_account_id"], email)
    now = utcnow()
    account_id = uuid.uuid4()
    await tx.one(
        _NEW_ACCOUNT,
        {
            "id": account_id,
            "number": await new_account_number(tx, AccountKind.CUSTOMER),
            "name": email,
            "kind": AccountKind.CUSTOMER,
            "created_at": now,
        },
    )
    user = await tx.one(_VERIFIED_USER, {"email": email})
    if user is not None:
        await tx.one(
            _NEW_MEMBERSHIP,
            {
                "id": uuid.uuid4(),
                "user_id": user["id"],
                "account_id": account_id,
                "role": Role.ADMIN,
                "created_at": now,
            },
        )
    else:
        await tx.one(
            _NEW_INVITATION,
            {
                "id": uuid.uuid4(),
                "account_id": account_id,
                "email": email,
                "role": Role.ADMIN,
                "invited_by_user_id": actor.user_id,
                "created_at": now,
                "expires_at": now + CLAIM_TTL,
                "accepted_at": None,
            },
        )
    return Target(account_id, email, created=True)
