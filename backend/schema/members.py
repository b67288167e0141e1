"""Account members and invitations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry

from backend.context import Info
from backend.db import models
from backend.domain.access import Permission, allows
from backend.schema.account_refs import AccountRef, UserRef, UserRow
from backend.schema.common import InvalidInput, LastAdmin, Node, NotFound, RateLimited, to_global_id


@strawberry.type(name="Member")
class MemberType:
    user: UserRef
    role: models.Role
    joined_at: datetime
    is_you: bool

    @classmethod
    def from_model(cls, membership: models.Membership, user: models.User, viewer: uuid.UUID) -> MemberType:
        return cls(
            user=UserRow.from_model(user),
            role=membership.role,
            joined_at=membership.created_at,
            is_you=user.id == viewer,
        )


@strawberry.type(name="AccountInvitation")
class AccountInvitationType(Node):
    email: str
    role: models.Role
    created_at: datetime
    expires_at: datetime

    @classmethod
    def from_model(cls, row: models.AccountInvitation) -> AccountInvitationType:
        return cls(
            id=to_global_id("AccountInvitation", row.id),
            email=row.email,
            role=row.role,
            created_at=row.created_at,
            expires_at=row.expires_at,
        )


_ROLE_ORDER = {models.Role.ADMIN: 0, models.Role.MEMBER: 1, models.Role.VIEWER: 2}


async def account_members(info: Info, account_id: uuid.UUID) -> list[MemberType]:
    """Admins first, then members, then viewers; only for people with a role on the account."""
    viewer = info.context.actor.user_id
    role = await info.context.loaders.account_role.load((viewer, account_id))
    if not allows(role, Permission.VIEW):
        return []
    rows = await info.context.loaders.members_by_account.load(account_id)
    ordered = sorted(rows, key=lambda pair: _ROLE_ORDER[pair[0].role])
    return [MemberType.from_model(membership, user, viewer) for membership, user in ordered]


async def account_invitations(info: Info, account_id: uuid.UUID) -> list[AccountInvitationType]:
    """Pending invitations, for the account's admins only."""
    role = await info.context.loaders.account_role.load((info.context.actor.user_id, account_id))
    if not allows(role, Permission.ADMINISTER):
        return []
    rows = await info.context.loaders.invitations_by_account.load(account_id)
    return [AccountInvitationType.from_model(r) for r in rows]


@strawberry.input
class AccountMemberInviteInput:
    account_id: strawberry.ID
    email: str
    role: models.Role


@strawberry.type(
    description="An existing user is a member at once (member set, invitation null); an unknown "
    "e-mail gets an invitation."
)
class AccountMemberInviteSuccess:
    account: AccountRef
    invitation: AccountInvitationType | None
    member: MemberType | None


@strawberry.input
class AccountMemberSetRoleInput:
    account_id: strawberry.ID
    user_id: strawberry.ID
    role: models.Role


@strawberry.type
class AccountMemberSetRoleSuccess:
    account: AccountRef


@strawberry.input
class AccountMemberRemoveInput:
    account_id: strawberry.ID
    user_id: strawberry.ID


@strawberry.type
class AccountMemberRemoveSuccess:
    account: AccountRef


@strawberry.input
class AccountInvitationRevokeInput:
    invitation_id: strawberry.ID


@strawberry.type
class AccountInvitationRevokeSuccess:
    account: AccountRef


AccountMemberInviteResult = Annotated[
    AccountMemberInviteSuccess | InvalidInput | NotFound | RateLimited,
    strawberry.union("AccountMemberInviteResult"),
]
AccountMemberSetRoleResult = Annotated[
    AccountMemberSetRoleSuccess | LastAdmin | NotFound, strawberry.union("AccountMemberSetRoleResult")
]
AccountMemberRemoveResult = Annotated[
    AccountMemberRemoveSuccess | LastAdmin | NotFound, strawberry.union("AccountMemberRemoveResult")
]
AccountInvitationRevokeResult = Annotated[
    AccountInvitationRevokeSuccess | NotFound, strawberry.union("AccountInvitationRevokeResult")
]
