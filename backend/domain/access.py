"""The one place that answers "may this user do X on account A" — memberships, roles, delegations.

Every resolver that takes an id goes through here; a forbidden id raises the same NotFoundError an
unknown id does."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

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


async def effective_role(session: AsyncSession, user_id: uuid.UUID, account_id: uuid.UUID) -> Role | None:
    """The user's own role on the account, or through an active delegation the lesser of the
    partner user's role and the delegation's scope."""
    own = await session.scalar(
        select(Membership.role).where(Membership.user_id == user_id, Membership.account_id == account_id)
    )
    if own is not None:
        return own
    rows = await session.execute(
        select(Membership.role, Delegation.scope)
        .join(Delegation, Delegation.partner_account_id == Membership.account_id)
        .where(
            Membership.user_id == user_id,
            Delegation.customer_account_id == account_id,
            Delegation.status == DelegationStatus.ACTIVE,
            or_(Delegation.ends_at.is_(None), Delegation.ends_at > utcnow()),
        )
    )
    best: Role | None = None
    for role, scope in rows:
        granted = _lesser(role, _SCOPE_CAP[scope])
        if best is None or _RANK[granted] > _RANK[best]:
            best = granted
    return best


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
    row = None
    if license_id is not None:
        stmt = select(License).where(License.id == license_id)
        row = await session.scalar(stmt.with_for_update() if for_update else stmt)
    if row is None or not access_allows(await license_access(session, actor, row), needed):
        raise NotFoundError(field, "license")
    return row
