"""Version Upgrade resolvers, and the operator's notification mutation."""

from __future__ import annotations

from typing import cast

import strawberry

from backend.context import Info
from backend.domain.errors import UserError
from backend.domain.key_requests import upgrades as domain
from backend.resolvers.steps import key_request_step
from backend.schema.common import error_member, from_global_id
from backend.schema.upgrades import (
    UpgradeNotificationsCreateInput,
    UpgradeNotificationsCreateResult,
    UpgradeNotificationsCreateSuccess,
    UpgradeNotificationType,
    UpgradeRequestConfirmInput,
    UpgradeRequestConfirmResult,
    UpgradeRequestConfirmSuccess,
    UpgradeRequestSelectProductInput,
    UpgradeRequestSelectProductResult,
    UpgradeRequestSelectProductSuccess,
    UpgradeRequestSetQuantityInput,
    UpgradeRequestSetQuantityResult,
    UpgradeRequestSetQuantitySuccess,
    UpgradeRequestSetRegistrationInput,
    UpgradeRequestSetRegistrationResult,
    UpgradeRequestSetRegistrationSuccess,
    UpgradeRequestStartInput,
    UpgradeRequestStartResult,
    UpgradeRequestStartSuccess,
)


@strawberry.type
class Query:
    @strawberry.field(description="Open upgrade notifications of an account (for users who lost the ID).")
    async def upgrade_notifications(
        self, info: Info, account_id: strawberry.ID
    ) -> list[UpgradeNotificationType]:
        rows = await domain.open_notifications(
            info.context.portal.db, info.context.actor, from_global_id(account_id, "Account")
        )
        return [UpgradeNotificationType.from_model(r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Start a Version Upgrade with the notification ID from the e-mail.")
    async def upgrade_request_start(
        self, info: Info, input: UpgradeRequestStartInput
    ) -> UpgradeRequestStartResult:
        ctx = info.context
        step = domain.start(
            ctx.portal.db,
            ctx.portal.settings,
            ctx.actor,
            from_global_id(input.account_id, "Account"),
            input.notification_id,
        )
        result: UpgradeRequestStartResult = await key_request_step(info, step, UpgradeRequestStartSuccess)
        return result

    @strawberry.mutation
    async def upgrade_request_select_product(
        self, info: Info, input: UpgradeRequestSelectProductInput
    ) -> UpgradeRequestSelectProductResult:
        ctx = info.context
        step = domain.select_license(
            ctx.portal.db,
            ctx.portal.bus,
            ctx.portal.settings,
            ctx.actor,
            from_global_id(input.key_request_id, "KeyRequest"),
            from_global_id(input.license_id, "License"),
        )
        result: UpgradeRequestSelectProductResult = await key_request_step(
            info, step, UpgradeRequestSelectProductSuccess
        )
        return result

    @strawberry.mutation
    async def upgrade_request_set_quantity(
        self, info: Info, input: UpgradeRequestSetQuantityInput
    ) -> UpgradeRequestSetQuantityResult:
        ctx = info.context
        step = domain.set_quantity(
            ctx.portal.db,
            ctx.portal.bus,
            ctx.portal.settings,
            ctx.actor,
            from_global_id(input.key_request_id, "KeyRequest"),
            input.quantity,
        )
        result: UpgradeRequestSetQuantityResult = await key_request_step(
            info, step, UpgradeRequestSetQuantitySuccess
        )
        return result

    @strawberry.mutation(
        description="Support registration of the new license (prefilled from the upgraded one)."
    )
    async def upgrade_request_set_registration(
        self, info: Info, input: UpgradeRequestSetRegistrationInput
    ) -> UpgradeRequestSetRegistrationResult:
        ctx = info.context
        step = domain.set_registration(
            ctx.portal.db,
            ctx.portal.bus,
            ctx.portal.settings,
            ctx.actor,
            from_global_id(input.key_request_id, "KeyRequest"),
            input.registration.to_data(),
        )
        result: UpgradeRequestSetRegistrationResult = await key_request_step(
            info, step, UpgradeRequestSetRegistrationSuccess
        )
        return result

    @strawberry.mutation(
        description="Commit: the seats move to a new license of the new version; keys follow."
    )
    async def upgrade_request_confirm(
        self, info: Info, input: UpgradeRequestConfirmInput
    ) -> UpgradeRequestConfirmResult:
        ctx = info.context
        step = domain.confirm(
            ctx.portal.db,
            ctx.portal.bus,
            ctx.portal.settings,
            ctx.actor,
            from_global_id(input.key_request_id, "KeyRequest"),
            input.idempotency_key,
        )
        result: UpgradeRequestConfirmResult = await key_request_step(info, step, UpgradeRequestConfirmSuccess)
        return result

    @strawberry.mutation(
        description="Operators: notify every account holding fromSku with current maintenance."
    )
    async def upgrade_notifications_create(
        self, info: Info, input: UpgradeNotificationsCreateInput
    ) -> UpgradeNotificationsCreateResult:
        ctx = info.context
        try:
            notified = await domain.notify(
                ctx.portal.db,
                ctx.portal.bus,
                ctx.portal.settings,
                input.from_sku,
                input.to_sku,
                input.expires_in_days,
                ctx.actor,
            )
        except UserError as exc:
            return cast(UpgradeNotificationsCreateResult, error_member(exc))
        return UpgradeNotificationsCreateSuccess(
            notifications=[UpgradeNotificationType.from_model(n.notification) for n in notified]
        )
