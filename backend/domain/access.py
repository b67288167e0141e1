"""The one place that answers "may this user do X on account A" — memberships, roles, delegations.

Every resolver that takes an id goes through here; a forbidden id raises the same NotFoundError an
unknown id does."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Delegation, DelegationScope, DelegationStatus, Membership, Role, utcnow
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
