"""The one place that answers "may this user do X on account A" — memberships, roles, delegations.

Every resolver that takes an id goes through here; a forbidden id raises the same NotFoundError an
unknown id does."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Collection
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.driver import DriverTransaction, Prepared
from backend.db.models import (
    Delegation,
    DelegationScope,
    DelegationStatus,
    License,
    LicenseShare,
    Membership,
    Role,
    SharePermission,
    utcnow,
)
from backend.domain.errors import NotFoundError


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    ip: str | None = None


class Permission(enum.Enum):
    VIEW = "view"
    REQUEST_KEYS = "request_keys"
    ADMINISTER = "administer"


_RANK = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2}
_NEEDS = {
    Permission.VIEW: Role.VIEWER,
    Permission.REQUEST_KEYS: Role.MEMBER,
    Permission.ADMINISTER: Role.ADMIN,
}
_SCOPE_CAP = {DelegationScope.VIEW: Role.VIEWER, DelegationScope.MANAGE: Role.MEMBER}


def _lesser(a: Role, b: Role) -> Role:
    return a if _RANK[a] <= _RANK[b] else b


def allows(role: Role | None, permission: Permission) -> bool:
    return role is not None and _RANK[role] >= _RANK[_NEEDS[permission]]


_ACTING_FOR = "acting_for"


def acting_account(session: AsyncSession, user_id: uuid.UUID, account_id: uuid.UUID) -> uuid.UUID | None:
    """The account a user acted from on `account_id` in this session's transaction: their own
    membership's account, or the partner account whose delegation granted the access (audit)."""
    acting: dict[tuple[uuid.UUID, uuid.UUID], uuid.UUID] = session.info.get(_ACTING_FOR, {})
    return acting.get((user_id, account_id))


# Every access check runs this first: built once (see loaders._by_ids).
_OWN_ROLES = select(Membership.account_id, Membership.role).where(
    Membership.user_id == bindparam("user_id"),
    Membership.account_id.in_(bindparam("accounts", expanding=True)),
)


def _delegations(which_customers: Any) -> Any:
    """The user's (parameter `user_id`) roles in partner accounts with an active delegation from
    `which_customers`: (customer account, role, scope, partner account)."""
    return (
        select(
            Delegation.customer_account_id, Membership.role, Delegation.scope, Delegation.partner_account_id
        )
        .join(Delegation, Delegation.partner_account_id == Membership.account_id)
        .where(
            Membership.user_id == bindparam("user_id"),
            which_customers,
            Delegation.status == DelegationStatus.ACTIVE,
            or_(Delegation.ends_at.is_(None), Delegation.ends_at > bindparam("now")),
        )
    )


async def effective_roles(
    session: AsyncSession, user_id: uuid.UUID, account_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Role | None]:
    """The user's own role on each account, or through an active delegation the lesser of the
    partner user's role and the delegation's scope (two statements for any number of accounts)."""
    acting = session.info.setdefault(_ACTING_FOR, {})
    wanted = set(account_ids)
    roles: dict[uuid.UUID, Role | None] = dict.fromkeys(wanted)
    if not wanted:
        return roles
    own = await session.execute(_OWN_ROLES, {"user_id": user_id, "accounts": list(wanted)})
    for account_id, role in own:
        roles[account_id] = role
        acting[(user_id, account_id)] = account_id
    rest = {a for a in wanted if roles[a] is None}
    if not rest:
        return roles
    delegated = await session.execute(
        _delegations(Delegation.customer_account_id.in_(rest)), {"user_id": user_id, "now": utcnow()}
    )
    for account_id, role, scope, partner_account_id in delegated:
        granted = _lesser(role, _SCOPE_CAP[scope])
        best = roles[account_id]
        if best is None or _RANK[granted] > _RANK[best]:
            roles[account_id] = granted
            acting[(user_id, account_id)] = partner_account_id
    return roles


def own_role_of(account_id: Any) -> Any:
    """The user's (parameter `user_id`) own role on the account in `account_id`, as a column to read
    with the row being checked: the first step of effective_roles() folded into that statement."""
    return (
        select(Membership.role)
        .where(Membership.user_id == bindparam("user_id"), Membership.account_id == account_id)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class Grant:
    """What a user may do on an account, and the account they act from there (their own, or the
    partner account whose delegation let them in): the audit records the latter."""

    role: Role
    acting_account_id: uuid.UUID


_OWN_ROLE = Prepared(
    select(Membership.role).where(
        Membership.user_id == bindparam("user_id"), Membership.account_id == bindparam("account_id")
    )
)
_DELEGATED = Prepared(_delegations(Delegation.customer_account_id == bindparam("account_id")))
_NOT_READ = object()


async def grant_in(
    tx: DriverTransaction, user_id: uuid.UUID, account_id: uuid.UUID, own_role: Any = _NOT_READ
) -> Grant | None:
    """effective_role() on the driver (own_role: when read already with the row being checked)."""
    if own_role is _NOT_READ:
        row = await tx.one(_OWN_ROLE, {"user_id": user_id, "account_id": account_id})
        own_role = None if row is None else row["role"]
    if own_role is not None:
        return Grant(Role(own_role), account_id)
    best: Grant | None = None
    for row in await tx.all(_DELEGATED, {"user_id": user_id, "account_id": account_id, "now": utcnow()}):
        granted = _lesser(Role(row["role"]), _SCOPE_CAP[DelegationScope(row["scope"])])
        if best is None or _RANK[granted] > _RANK[best.role]:
            best = Grant(granted, row["partner_account_id"])
    return best


async def require_in(
    tx: DriverTransaction,
    actor: Actor,
    account_id: uuid.UUID,
    permission: Permission,
    *,
    field: str,
    what: str,
    own_role: Any = _NOT_READ,
) -> Grant:
    """require() on the driver: the grant, or the unknown-id answer."""
    grant = await grant_in(tx, actor.user_id, account_id, own_role)
    if grant is None or not allows(grant.role, permission):
        raise NotFoundError(field, what)
    return grant


async def may_given_own_role(
    open_session: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    actor: Actor,
    account_id: uuid.UUID,
    own_role: Role | None,
    permission: Permission,
) -> bool:
    """may(), when the actor's own role on the account was read already (own_role_of): only
    without one do delegations decide, read in a session then."""
    if own_role is not None:
        return allows(own_role, permission)
    async with open_session() as session:
        return await may(session, actor, account_id, permission)


async def effective_role(session: AsyncSession, user_id: uuid.UUID, account_id: uuid.UUID) -> Role | None:
    return (await effective_roles(session, user_id, (account_id,)))[account_id]


async def may(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID | None, permission: Permission
) -> bool:
    """For reads that answer "nothing" rather than an error: may the actor do this on the account?"""
    return account_id is not None and allows(
        await effective_role(session, actor.user_id, account_id), permission
    )


async def require(
    session: AsyncSession,
    actor: Actor,
    account_id: uuid.UUID,
    permission: Permission,
    *,
    field: str,
    what: str,
) -> Role:
    role = await effective_role(session, actor.user_id, account_id)
    if not allows(role, permission):
        raise NotFoundError(field, what)
    assert role is not None
    return role


class LicenseAccess(enum.Enum):
    """What a user may do on one license, from their role on its account, ownership and shares.

    VIEW reads; MANAGE also edits custom values and the support registration; ADMIN and OWNER also
    share, unshare and transfer ownership."""

    VIEW = "VIEW"
    MANAGE = "MANAGE"
    ADMIN = "ADMIN"
    OWNER = "OWNER"


_ACCESS_RANK = {
    LicenseAccess.VIEW: 0,
    LicenseAccess.MANAGE: 1,
    LicenseAccess.ADMIN: 2,
    LicenseAccess.OWNER: 3,
}
_ROLE_ACCESS = {
    Role.VIEWER: LicenseAccess.VIEW,
    Role.MEMBER: LicenseAccess.MANAGE,
    Role.ADMIN: LicenseAccess.ADMIN,
}
_SHARE_ACCESS = {SharePermission.VIEW: LicenseAccess.VIEW, SharePermission.MANAGE: LicenseAccess.MANAGE}


def license_access_from(
    role: Role | None, is_owner: bool, share: SharePermission | None
) -> LicenseAccess | None:
    """The pure rule (batched callers compute role, ownership and share themselves). Ownership
    counts only while the owner may still request keys on the account; a share never grants more
    than its permission."""
    grants: list[LicenseAccess] = []
    if role is not None:
        grants.append(
            LicenseAccess.OWNER if is_owner and allows(role, Permission.REQUEST_KEYS) else _ROLE_ACCESS[role]
        )
    if share is not None:
        grants.append(_SHARE_ACCESS[share])
    return max(grants, key=_ACCESS_RANK.__getitem__, default=None)


def access_allows(access: LicenseAccess | None, needed: LicenseAccess) -> bool:
    return access is not None and _ACCESS_RANK[access] >= _ACCESS_RANK[needed]


async def license_access(session: AsyncSession, actor: Actor, row: License) -> LicenseAccess | None:
    role = await effective_role(session, actor.user_id, row.account_id)
    share = await session.scalar(
        select(LicenseShare.permission).where(
            LicenseShare.license_id == row.id, LicenseShare.user_id == actor.user_id
        )
    )
    return license_access_from(role, row.owner_user_id == actor.user_id, share)


async def require_license(
    session: AsyncSession,
    actor: Actor,
    license_id: uuid.UUID | None,
    needed: LicenseAccess,
    *,
    field: str,
    for_update: bool = False,
) -> License:
    """The license if the actor has at least `needed` on it; otherwise the unknown-id answer."""
    [row] = await require_licenses(session, actor, [license_id], needed, field=field, for_update=for_update)
    return row


async def require_licenses(
    session: AsyncSession,
    actor: Actor,
    license_ids: Collection[uuid.UUID | None],
    needed: LicenseAccess,
    *,
    field: str,
    for_update: bool = False,
) -> list[License]:
    """Every license, if the actor has at least `needed` on each; one unknown or forbidden id
    gives the unknown-id answer for all (nothing is done on any)."""
    ids = list(dict.fromkeys(license_ids))
    if not ids or any(i is None for i in ids):
        raise NotFoundError(field, "license")
    stmt = select(License).where(License.id.in_(ids))
    rows = list(await session.scalars(stmt.with_for_update() if for_update else stmt))
    if len(rows) != len(ids):
        raise NotFoundError(field, "license")
    roles = await effective_roles(session, actor.user_id, {r.account_id for r in rows})
    shares = {
        license_id: permission
        for license_id, permission in await session.execute(
            select(LicenseShare.license_id, LicenseShare.permission).where(
                LicenseShare.license_id.in_(ids), LicenseShare.user_id == actor.user_id
            )
        )
    }
    for row in rows:
        access = license_access_from(
            roles[row.account_id], row.owner_user_id == actor.user_id, shares.get(row.id)
        )
        if not access_allows(access, needed):
            raise NotFoundError(field, "license")
    order = {license_id: i for i, license_id in enumerate(ids)}
    return sorted(rows, key=lambda r: order[r.id])
