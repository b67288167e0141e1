"""Account members: invite, change role, remove (or leave), revoke an invitation."""

from __future__ import annotations

from typing import cast

import strawberry

from backend.context import Info
from backend.domain.accounts import members as domain
from backend.resolvers.steps import run_step
from backend.schema.accounts import AccountType
from backend.schema.common import from_global_id
from backend.schema.members import (
    AccountInvitationRevokeInput,
    AccountInvitationRevokeResult,
    AccountInvitationRevokeSuccess,
    AccountInvitationType,
    AccountMemberInviteInput,
    AccountMemberInviteResult,
    AccountMemberInviteSuccess,
    AccountMemberRemoveInput,
    AccountMemberRemoveResult,
    AccountMemberRemoveSuccess,
    AccountMemberSetRoleInput,
    AccountMemberSetRoleResult,
    AccountMemberSetRoleSuccess,
    MemberType,
)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="ADMIN only. An existing user becomes a member at once; an unknown e-mail gets an "
        "invitation (14 days) and a sign-up link."
    )
    async def account_member_invite(
        self, info: Info, input: AccountMemberInviteInput
    ) -> AccountMemberInviteResult:
        actor = info.context.actor
        portal = info.context.portal
        step = domain.invite(
            portal.db,
            portal.bus,
            portal.settings,
            actor,
            from_global_id(input.account_id, "Account"),
            input.email,
            input.role,
        )

        def success(done: domain.Invited) -> AccountMemberInviteSuccess:
            return AccountMemberInviteSuccess(
                account=AccountType.from_model(done.account),
                invitation=AccountInvitationType.from_model(done.invitation) if done.invitation else None,
                member=MemberType.from_model(*done.member, actor.user_id) if done.member else None,
            )

        return cast(AccountMemberInviteResult, await run_step(step, success))

    @strawberry.mutation(description="ADMIN only; the last ADMIN cannot be demoted.")
    async def account_member_set_role(
        self, info: Info, input: AccountMemberSetRoleInput
    ) -> AccountMemberSetRoleResult:
        step = domain.set_role(
            info.context.portal.db,
            info.context.actor,
            from_global_id(input.account_id, "Account"),
            from_global_id(input.user_id, "User"),
            input.role,
        )
        return cast(
            AccountMemberSetRoleResult,
            await run_step(
                step, lambda account: AccountMemberSetRoleSuccess(account=AccountType.from_model(account))
            ),
        )

    @strawberry.mutation(
        description="ADMIN removes a member, or a member removes themself (leave); never the last ADMIN."
    )
    async def account_member_remove(
        self, info: Info, input: AccountMemberRemoveInput
    ) -> AccountMemberRemoveResult:
        step = domain.remove(
            info.context.portal.db,
            info.context.actor,
            from_global_id(input.account_id, "Account"),
            from_global_id(input.user_id, "User"),
        )
        return cast(
            AccountMemberRemoveResult,
            await run_step(
                step, lambda account: AccountMemberRemoveSuccess(account=AccountType.from_model(account))
            ),
        )

    @strawberry.mutation(description="ADMIN only: withdraw a pending invitation.")
    async def account_invitation_revoke(
        self, info: Info, input: AccountInvitationRevokeInput
    ) -> AccountInvitationRevokeResult:
        step = domain.revoke_invitation(
            info.context.portal.db,
            info.context.actor,
            from_global_id(input.invitation_id, "AccountInvitation"),
        )
        return cast(
            AccountInvitationRevokeResult,
            await run_step(
                step, lambda account: AccountInvitationRevokeSuccess(account=AccountType.from_model(account))
            ),
        )
