"""Re-host resolvers."""

from __future__ import annotations

import strawberry

from backend.context import Info
from backend.domain.key_requests import rehost as domain
from backend.resolvers.steps import key_request_step
from backend.schema.common import from_global_id
from backend.schema.rehost import (
    RehostRequestConfirmInput,
    RehostRequestConfirmResult,
    RehostRequestConfirmSuccess,
    RehostRequestSetHostInput,
    RehostRequestSetHostResult,
    RehostRequestSetHostSuccess,
    RehostRequestStartInput,
    RehostRequestStartResult,
    RehostRequestStartSuccess,
)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Start moving a host-locked key to a new host.")
    async def rehost_request_start(
        self, info: Info, input: RehostRequestStartInput
    ) -> RehostRequestStartResult:
        ctx = info.context
        step = domain.start(
            ctx.portal.db, ctx.portal.settings, ctx.actor, from_global_id(input.license_key_id, "LicenseKey")
        )
        result: RehostRequestStartResult = await key_request_step(info, step, RehostRequestStartSuccess)
        return result

    @strawberry.mutation
    async def rehost_request_set_host(
        self, info: Info, input: RehostRequestSetHostInput
    ) -> RehostRequestSetHostResult:
        ctx = info.context
        step = domain.set_host(
            ctx.portal.db,
            ctx.portal.bus,
            ctx.portal.settings,
            ctx.actor,
            from_global_id(input.key_request_id, "KeyRequest"),
            input.host_id,
        )
        result: RehostRequestSetHostResult = await key_request_step(info, step, RehostRequestSetHostSuccess)
        return result

    @strawberry.mutation(
        description="Commit: the old key is revoked and a new one is signed for the new host."
    )
    async def rehost_request_confirm(
        self, info: Info, input: RehostRequestConfirmInput
    ) -> RehostRequestConfirmResult:
        ctx = info.context
        step = domain.confirm(
            ctx.portal.db,
            ctx.portal.bus,
            ctx.portal.settings,
            ctx.actor,
            from_global_id(input.key_request_id, "KeyRequest"),
            input.idempotency_key,
        )
        result: RehostRequestConfirmResult = await key_request_step(info, step, RehostRequestConfirmSuccess)
        return result
