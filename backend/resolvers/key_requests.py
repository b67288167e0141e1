"""Get a Key resolvers: parse input → call the domain → map the result."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError

from backend.context import Info
from backend.domain.key_requests import doors, pipeline
from backend.domain.key_requests import get_a_key as domain
from backend.domain.partners import deliveries
from backend.resolvers.steps import key_request_step, run_step
from backend.schema.common import from_global_id
from backend.schema.key_requests import (
    TERMINAL,
    KeyDelivery,
    KeyRequestConfirmInput,
    KeyRequestConfirmResult,
    KeyRequestConfirmSuccess,
    KeyRequestDiscardInput,
    KeyRequestDiscardResult,
    KeyRequestDiscardSuccess,
    KeyRequestEnterSerialsInput,
    KeyRequestEnterSerialsResult,
    KeyRequestEnterSerialsSuccess,
    KeyRequestRemoveSerialInput,
    KeyRequestRemoveSerialResult,
    KeyRequestRemoveSerialSuccess,
    KeyRequestResendKeysInput,
    KeyRequestResendKeysResult,
    KeyRequestResendKeysSuccess,
    KeyRequestSelectRenewalsInput,
    KeyRequestSelectRenewalsResult,
    KeyRequestSelectRenewalsSuccess,
    KeyRequestSetRegistrationInput,
    KeyRequestSetRegistrationResult,
    KeyRequestSetRegistrationSuccess,
    KeyRequestStartInput,
    KeyRequestStartResult,
    KeyRequestStartSuccess,
    KeyRequestType,
)

SUBSCRIPTION_RECHECK_SECONDS = 15.0


def _kr(global_id: str) -> object:
    return from_global_id(global_id, "KeyRequest")


async def load_key_request(info: Info, global_id: str) -> KeyRequestType | None:
    """A key request the signed-in user may see, or None (unknown and foreign look alike)."""
    portal = info.context.portal
    row = await pipeline.view(portal.db, info.context.actor, from_global_id(global_id, "KeyRequest"))
    return None if row is None else KeyRequestType.from_model(row, portal.settings.draft_ttl_days)


@strawberry.type
class Query:
    @strawberry.field
    async def key_request(self, info: Info, id: strawberry.ID) -> KeyRequestType | None:
        return await load_key_request(info, id)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Start a Get a Key draft on an account (resumable for 7 days).")
    async def key_request_start(self, info: Info, input: KeyRequestStartInput) -> KeyRequestStartResult:
        ctx = info.context
        step = domain.start(ctx.portal.db, ctx.actor, from_global_id(input.account_id, "Account"))
        result: KeyRequestStartResult = await key_request_step(info, step, KeyRequestStartSuccess)
        return result

    @strawberry.mutation(description="Add 1 to 50 serial numbers; if any is bad nothing is added.")
    async def key_request_enter_serials(
        self, info: Info, input: KeyRequestEnterSerialsInput
    ) -> KeyRequestEnterSerialsResult:
        ctx = info.context
        portal = ctx.portal
        step = domain.enter_serials(
            portal.db,
            portal.bus,
            portal.settings,
            ctx.actor,
            from_global_id(input.key_request_id, "KeyRequest"),
            input.serial_numbers,
        )
        result: KeyRequestEnterSerialsResult = await key_request_step(
            info, step, KeyRequestEnterSerialsSuccess
        )
        return result

    @strawberry.mutation
    async def key_request_remove_serial(
        self, info: Info, input: KeyRequestRemoveSerialInput
    ) -> KeyRequestRemoveSerialResult:
        ctx = info.context
        portal = ctx.portal
        step = domain.remove_serial(
            portal.db,
            portal.bus,
            portal.settings,
            ctx.actor,
            from_global_id(input.key_request_id, "KeyRequest"),
            input.serial_number,
        )
        result: KeyRequestRemoveSerialResult = await key_request_step(
            info, step, KeyRequestRemoveSerialSuccess
        )
        return result

    @strawberry.mutation(
        description="Choose the license each renewal serial extends (same product, this account)."
    )
    async def key_request_select_renewals(
        self, info: Info, input: KeyRequestSelectRenewalsInput
    ) -> KeyRequestSelectRenewalsResult:
        ctx = info.context
        targets = [(r.serial_number, from_global_id(r.license_id, "License")) for r in input.renewals]
        portal = ctx.portal
        step = domain.select_renewals(
            portal.db,
            portal.bus,
            portal.settings,
            ctx.actor,
            from_global_id(input.key_request_id, "KeyRequest"),
            targets,
        )
        result: KeyRequestSelectRenewalsResult = await key_request_step(
            info, step, KeyRequestSelectRenewalsSuccess
        )
        return result

    @strawberry.mutation(description="Support registration (and host ID for host-locked products).")
    async def key_request_set_registration(
        self, info: Info, input: KeyRequestSetRegistrationInput
    ) -> KeyRequestSetRegistrationResult:
        ctx = info.context
        portal = ctx.portal
        step = doors.set_registration(
            portal.db,
            portal.bus,
            portal.settings,
            ctx.actor,
            from_global_id(input.key_request_id, "KeyRequest"),
            input.registration.to_data(),
            input.host_id,
        )
        result: KeyRequestSetRegistrationResult = await key_request_step(
            info, step, KeyRequestSetRegistrationSuccess
        )
        return result

    @strawberry.mutation(
        description="Commit: serials registered, licenses created or renewed, keys signed by the worker."
    )
    async def key_request_confirm(self, info: Info, input: KeyRequestConfirmInput) -> KeyRequestConfirmResult:
        ctx = info.context
        portal = ctx.portal
        step = doors.confirm(
            portal.db,
            portal.bus,
            portal.settings,
            ctx.actor,
            from_global_id(input.key_request_id, "KeyRequest"),
            input.idempotency_key,
        )
        result: KeyRequestConfirmResult = await key_request_step(info, step, KeyRequestConfirmSuccess)
        return result

    @strawberry.mutation(
        description="Discard a draft of any kind (its creator, or an admin of its account); submitted requests stay."
    )
    async def key_request_discard(self, info: Info, input: KeyRequestDiscardInput) -> KeyRequestDiscardResult:
        ctx = info.context
        step = pipeline.discard(
            ctx.portal.db, ctx.portal.bus, ctx.actor, from_global_id(input.key_request_id, "KeyRequest")
        )
        result: KeyRequestDiscardResult = await run_step(
            step, lambda request: KeyRequestDiscardSuccess(key_request_id=input.key_request_id)
        )
        return result

    @strawberry.mutation(
        description="Send a ready request's keys again (technical contact or another address)."
    )
    async def key_request_resend_keys(
        self, info: Info, input: KeyRequestResendKeysInput
    ) -> KeyRequestResendKeysResult:
        ctx = info.context
        step = deliveries.resend(
            ctx.portal.db,
            ctx.portal.bus,
            ctx.portal.settings,
            ctx.actor,
            from_global_id(input.key_request_id, "KeyRequest"),
            input.email,
        )
        ttl = ctx.portal.settings.draft_ttl_days

        def answer(done: deliveries.Resent) -> KeyRequestResendKeysSuccess:
            return KeyRequestResendKeysSuccess(
                key_request=KeyRequestType.from_model(done.request, ttl),
                delivery=KeyDelivery.from_model(done.delivery),
            )

        result: KeyRequestResendKeysResult = await run_step(step, answer)
        return result


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Emits the key request now and on every change; completes when READY, FAILED or EXPIRED."
    )
    async def key_request_updated(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[KeyRequestType, None]:
        portal = info.context.portal
        request_id = from_global_id(id, "KeyRequest")
        topic = pipeline.topic(request_id) if request_id else "keyRequest:unknown"
        # Subscribe before the first read so no change between the two is missed.
        async with portal.bus.subscribe(topic) as queue:
            last = None
            while True:
                current = await load_key_request(info, id)
                if current is None:
                    raise GraphQLError(
                        "No such key request, or you do not have access to it.",
                        extensions={"code": "NOT_FOUND"},
                    )
                marker = (current.status, current.updated_at)
                if marker != last:
                    last = marker
                    yield current
                # Nothing read for this emission may be served again, and no connection is held
                # while the subscription waits.
                await info.context.fresh_loaders()
                if current.status in TERMINAL:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(queue.get(), SUBSCRIPTION_RECHECK_SECONDS)
                while not queue.empty():
                    queue.get_nowait()
