"""Delegation lifecycle: invite, accept, decline, revoke."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry

from backend.context import Info
from backend.db.models import Delegation
from backend.domain.partners import delegations as domain
from backend.resolvers.steps import run_step
from backend.schema.common import from_global_id
from backend.schema.delegations import (
    DelegationAcceptResult,
    DelegationAcceptSuccess,
    DelegationDeclineResult,
    DelegationDeclineSuccess,
    DelegationIdInput,
    DelegationInviteInput,
    DelegationInviteResult,
    DelegationInviteSuccess,
    DelegationRevokeResult,
    DelegationRevokeSuccess,
    DelegationType,
)


def _answer(success: type) -> Callable[[Delegation], Any]:
    return lambda row: success(delegation=DelegationType.from_model(row))


def _id(input: DelegationIdInput) -> Any:
    return from_global_id(input.delegation_id, "Delegation")


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A customer ADMIN invites a partner to work on the account.")
    async def delegation_invite(self, info: Info, input: DelegationInviteInput) -> DelegationInviteResult:
        data = domain.Invite(
            account_id=from_global_id(input.account_id, "Account"),
            scope=input.scope,
            partner_account_number=input.partner_account_number,
            partner_user_email=input.partner_user_email,
            ends_on=input.ends_on,
        )
        portal = info.context.portal
        result: DelegationInviteResult = await run_step(
            domain.invite(portal.db, portal.bus, portal.settings, info.context.actor, data),
            _answer(DelegationInviteSuccess),
        )
        return result

    @strawberry.mutation(description="A partner ADMIN accepts a pending delegation.")
    async def delegation_accept(self, info: Info, input: DelegationIdInput) -> DelegationAcceptResult:
        portal = info.context.portal
        step = domain.respond(
            portal.db, portal.bus, portal.settings, info.context.actor, _id(input), accept=True
        )
        result: DelegationAcceptResult = await run_step(step, _answer(DelegationAcceptSuccess))
        return result

    @strawberry.mutation(description="A partner ADMIN declines a pending delegation.")
    async def delegation_decline(self, info: Info, input: DelegationIdInput) -> DelegationDeclineResult:
        portal = info.context.portal
        step = domain.respond(
            portal.db, portal.bus, portal.settings, info.context.actor, _id(input), accept=False
        )
        result: DelegationDeclineResult = await run_step(step, _answer(DelegationDeclineSuccess))
        return result

    @strawberry.mutation(description="An ADMIN of either side ends a pending or active delegation.")
    async def delegation_revoke(self, info: Info, input: DelegationIdInput) -> DelegationRevokeResult:
        portal = info.context.portal
        step = domain.revoke(portal.db, portal.bus, info.context.actor, _id(input))
        result: DelegationRevokeResult = await run_step(step, _answer(DelegationRevokeSuccess))
        return result
