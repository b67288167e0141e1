"""The one place that answers "may this user do X on account A" — memberships, roles, delegations.

Every resolver that takes an id goes through here; a forbidden id raises the same NotFoundError an
unknown id does."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import bindparam, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.driver import DriverTransaction, Prepared, as_driver_transaction, ids_match
from backend.db.models import (
    Account,
    AccountKind,
    Delegation,
    DelegationScope,
    DelegationStatus,
    FlexRole,
    License,
    LicenseShare,
    Membership,
    Role,
    SharePermission,
    utcnow,
)
from backend.domain.errors import MissingScopeError, NotAllowedError, NotFoundError
from backend.observability import context as log_context


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    ip: str | None = None
    # An API token's scopes (domain/tokens/); None for a browser session, which has all of them.
    # Either way the user's live roles below decide what is reached: a scope only narrows.
    scopes: frozenset[str] | None = None


def require_scope(actor: Actor, scope: str) -> None:
    """Refuse (MissingScopeError, code FORBIDDEN, naming the scope) an API token without `scope`;
    a browser session passes. For what is reached outside GraphQL (a CSV download) or deep inside
    a resolver; GraphQL fields declare theirs with `permission_classes=[needs_scope("…")]`
    (backend/scopes.py), which calls this."""
    if actor.scopes is not None and scope not in actor.scopes:
        raise MissingScopeError(scope)


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


def acting_account(tx: DriverTransaction, user_id: uuid.UUID, account_id: uuid.UUID) -> uuid.UUID | None:
    """The account a user acted from on `account_id` in this transaction: their own membership's
    account, or the partner account whose delegation granted the access (noted by grants())."""
    acting: dict[tuple[uuid.UUID, uuid.UUID], uuid.UUID] = tx.notes.get(_ACTING_FOR, {})
    return acting.get((user_id, account_id))


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


def own_role_of(account_id: Any) -> Any:
    """The user's (parameter `user_id`) own role on the account in `account_id`, as a column to read
    with the row being checked: the first step of grants() folded into that statement."""
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


@cache
def _own_roles(dialect: str) -> Prepared:
    return Prepared(
        select(Membership.account_id, Membership.role).where(
            Membership.user_id == bindparam("user_id"), ids_match(Membership.account_id, dialect)
        )
    )


@cache
def _delegated(dialect: str) -> Prepared:
    return Prepared(_delegations(ids_match(Delegation.customer_account_id, dialect)))


_NOT_READ: Any = object()


_OWN_ACCOUNTS = Prepared(select(Membership.account_id).where(Membership.user_id == bindparam("user_id")))
_DELEGATED_ACCOUNTS = Prepared(_delegations(true()))


async def viewable_accounts(tx: DriverTransaction, user_id: uuid.UUID) -> list[uuid.UUID]:
    """Every account the user can see: their own, and their partner accounts' delegated customers
    (any scope lets them see)."""
    own = [row["account_id"] for row in await tx.all(_OWN_ACCOUNTS, {"user_id": user_id})]
    delegated = await tx.all(_DELEGATED_ACCOUNTS, {"user_id": user_id, "now": utcnow()})
    return list(dict.fromkeys([*own, *(row["customer_account_id"] for row in delegated)]))


async def grants(
    tx: DriverTransaction,
    user_id: uuid.UUID,
    account_ids: Collection[uuid.UUID],
    own_roles: Mapping[uuid.UUID, Role | None] | None = None,
) -> dict[uuid.UUID, Grant | None]:
    """The rule: on each account, the user's own role; else, through the best active delegation,
    the lesser of the partner user's role and the delegation's scope (two statements for any
    number of accounts; one when the own roles were read with the rows being checked, none when
    each of those was found). Notes the account acted from, for the audit."""
    acting = tx.notes.setdefault(_ACTING_FOR, {})
    wanted = list(dict.fromkeys(account_ids))
    found: dict[uuid.UUID, Grant | None] = dict.fromkeys(wanted)
    if not wanted:
        return found
    if own_roles is None:
        rows = await tx.all(_own_roles(tx.dialect), {"user_id": user_id, "ids": wanted})
        own_roles = {row["account_id"]: row["role"] for row in rows}
    for account_id in wanted:
        role = own_roles.get(account_id)
        if role is not None:
            found[account_id] = Grant(Role(role), account_id)
    rest = [a for a in wanted if found[a] is None]
    if rest:
        params = {"user_id": user_id, "ids": rest, "now": utcnow()}
        for row in await tx.all(_delegated(tx.dialect), params):
            granted = _lesser(Role(row["role"]), _SCOPE_CAP[DelegationScope(row["scope"])])
            best = found[row["customer_account_id"]]
            if best is None or _RANK[granted] > _RANK[best.role]:
                found[row["customer_account_id"]] = Grant(granted, row["partner_account_id"])
    for account_id, grant in found.items():
        if grant is not None:
            acting[(user_id, account_id)] = grant.acting_account_id
    return found


async def grant(
    tx: DriverTransaction, user_id: uuid.UUID, account_id: uuid.UUID, own_role: Any = _NOT_READ
) -> Grant | None:
    """grants() for one account (own_role: when read already with the row being checked)."""
    own = None if own_role is _NOT_READ else {account_id: own_role}
    return (await grants(tx, user_id, [account_id], own))[account_id]


async def role_on(tx: DriverTransaction, user_id: uuid.UUID, account_id: uuid.UUID) -> Role | None:
    found = await grant(tx, user_id, account_id)
    return None if found is None else found.role


async def may(
    tx: DriverTransaction,
    actor: Actor,
    account_id: uuid.UUID | None,
    permission: Permission,
    *,
    own_role: Any = _NOT_READ,
) -> bool:
    """For reads that answer "nothing" rather than an error: may the actor do this on the account?"""
    if account_id is None:
        return False
    found = await grant(tx, actor.user_id, account_id, own_role)
    return found is not None and allows(found.role, permission)


async def require(
    tx: DriverTransaction,
    actor: Actor,
    account_id: uuid.UUID,
    permission: Permission,
    *,
    field: str,
    what: str,
    own_role: Any = _NOT_READ,
    action: str | None = None,
) -> Grant:
    """The actor's grant on the account if it allows `permission`; else the unknown-id answer, or,
    when the step names its `action` and the actor may see the account, "Your role (…) cannot
    <action>"."""
    found = await grant(tx, actor.user_id, account_id, own_role)
    if found is None or not allows(found.role, permission):
        if action is not None and found is not None:
            raise NotAllowedError(field, role_label(found.role), action)
        raise NotFoundError(field, what)
    log_context.note_account(account_id)  # the request's log lines say the account acted on
    return found


def role_label(role: Role) -> str:
    """A role as the SPA names it: Viewer, Member, Admin."""
    return role.value.capitalize()


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
    role = await role_on(as_driver_transaction(session), actor.user_id, row.account_id)
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
    action: str | None = None,
) -> License:
    """The license if the actor has at least `needed` on it; otherwise the unknown-id answer (or
    NotAllowed, see require_licenses)."""
    [row] = await require_licenses(
        session, actor, [license_id], needed, field=field, for_update=for_update, action=action
    )
    return row


async def require_licenses(
    session: AsyncSession,
    actor: Actor,
    license_ids: Collection[uuid.UUID | None],
    needed: LicenseAccess,
    *,
    field: str,
    for_update: bool = False,
    action: str | None = None,
) -> list[License]:
    """Every license, if the actor has at least `needed` on each; one unknown or forbidden id
    gives the unknown-id answer for all (nothing is done on any). When the step names its
    `action`, a license the actor may see but not change answers "Your role (…) cannot <action>"."""
    ids = list(dict.fromkeys(license_ids))
    if not ids or any(i is None for i in ids):
        raise NotFoundError(field, "license")
    stmt = select(License).where(License.id.in_(ids))
    rows = list(await session.scalars(stmt.with_for_update() if for_update else stmt))
    if len(rows) != len(ids):
        raise NotFoundError(field, "license")
    found = await grants(as_driver_transaction(session), actor.user_id, {r.account_id for r in rows})
    roles = {account_id: None if g is None else g.role for account_id, g in found.items()}
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
            if action is not None and access is not None:
                role = roles[row.account_id]
                raise NotAllowedError(field, role_label(role) if role else "View-only share", action)
            raise NotFoundError(field, "license")
    order = {license_id: i for i, license_id in enumerate(ids)}
    return sorted(rows, key=lambda r: order[r.id])


class FlexPermission(enum.Enum):
    VIEW = "view"  # the contract, its catalog and points
    DRAW = "draw"  # draw down; return one's own draw-downs
    ADMINISTER = "administer"  # every deployment, reports, roles, any return


_FLEX_ALLOWS = {
    FlexRole.SUPER_USER: {FlexPermission.VIEW, FlexPermission.DRAW, FlexPermission.ADMINISTER},
    FlexRole.CONTRACT_USER: {FlexPermission.VIEW, FlexPermission.DRAW},
    FlexRole.VIEWER: {FlexPermission.VIEW},
}


def flex_role(grant: Grant | None, account_id: uuid.UUID, assigned: FlexRole | str | None) -> FlexRole | None:
    """A user's role on a contract of `account_id`: account admins are super users; other members
    have the role a super user gave them, whatever their account role; a partner acting
    for the customer is a contract user under a MANAGE delegation, a viewer under VIEW."""
    if grant is None:
        return None
    if grant.acting_account_id != account_id:
        return FlexRole.CONTRACT_USER if allows(grant.role, Permission.REQUEST_KEYS) else FlexRole.VIEWER
    if grant.role == Role.ADMIN:
        return FlexRole.SUPER_USER
    return None if assigned is None else FlexRole(assigned)


def flex_allows(role: FlexRole | None, permission: FlexPermission) -> bool:
    return role is not None and permission in _FLEX_ALLOWS[role]


_OPERATOR = Prepared(
    select(Membership.id)
    .join(Account, Account.id == Membership.account_id)
    .where(
        Membership.user_id == bindparam("user_id"),
        Account.kind == AccountKind.VENDOR,
        or_(Membership.role == Role.ADMIN, Membership.role == Role.MEMBER),
    )
    .limit(1)
)


async def require_operator(tx: DriverTransaction, actor: Actor, field: str) -> None:
    """Vendor operations (ADMIN or MEMBER of a VENDOR account); anyone else gets the unknown-id answer."""
    if await tx.one(_OPERATOR, {"user_id": actor.user_id}) is None:
        raise NotFoundError(field, "operation")
