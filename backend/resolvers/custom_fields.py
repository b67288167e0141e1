"""Defining an account's custom fields (ADMIN only)."""

from __future__ import annotations

from typing import cast

import strawberry

from backend.context import Info
from backend.domain.licenses import custom_fields
from backend.resolvers.steps import run_step
from backend.schema.common import from_global_id, to_global_id
from backend.schema.custom_fields import (
    CustomFieldCreateInput,
    CustomFieldCreateResult,
    CustomFieldCreateSuccess,
    CustomFieldDeleteInput,
    CustomFieldDeleteResult,
    CustomFieldDeleteSuccess,
    CustomFieldType,
    CustomFieldUpdateInput,
    CustomFieldUpdateResult,
    CustomFieldUpdateSuccess,
)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add a custom field to an account's licenses (ADMIN only).")
    async def custom_field_create(self, info: Info, input: CustomFieldCreateInput) -> CustomFieldCreateResult:
        step = custom_fields.create(
            info.context.portal.db,
            info.context.actor,
            from_global_id(input.account_id, "Account"),
            input.name,
            input.type,
            input.options,
            bool(input.required),
        )
        return cast(
            CustomFieldCreateResult,
            await run_step(
                step, lambda row: CustomFieldCreateSuccess(custom_field=CustomFieldType.from_model(row))
            ),
        )

    @strawberry.mutation(
        description="Rename, change options, required or position (the type cannot change; removing a "
        "CHOICE option still in use: options IN_USE)."
    )
    async def custom_field_update(self, info: Info, input: CustomFieldUpdateInput) -> CustomFieldUpdateResult:
        step = custom_fields.update_field(
            info.context.portal.db,
            info.context.actor,
            from_global_id(input.custom_field_id, "CustomField"),
            name=input.name,
            options=input.options,
            required=input.required,
            position=input.position,
        )
        return cast(
            CustomFieldUpdateResult,
            await run_step(
                step, lambda row: CustomFieldUpdateSuccess(custom_field=CustomFieldType.from_model(row))
            ),
        )

    @strawberry.mutation(description="Delete a custom field and its values on every license.")
    async def custom_field_delete(self, info: Info, input: CustomFieldDeleteInput) -> CustomFieldDeleteResult:
        step = custom_fields.delete_field(
            info.context.portal.db, info.context.actor, from_global_id(input.custom_field_id, "CustomField")
        )
        return cast(
            CustomFieldDeleteResult,
            await run_step(
                step,
                lambda deleted: CustomFieldDeleteSuccess(deleted_id=to_global_id("CustomField", deleted)),
            ),
        )
