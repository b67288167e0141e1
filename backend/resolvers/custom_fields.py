"""Defining an account's custom fields (ADMIN only)."""

from __future__ import annotations

from typing import cast

import strawberry

from backend.context import Info
from backend.domain import custom_fields
from backend.domain.errors import UserError
from backend.schema.common import error_member, from_global_id, to_global_id
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
        try:
            row = await custom_fields.create(
                info.context.portal,
                info.context.actor,
                from_global_id(input.account_id, "Account"),
                input.name,
                input.type,
                input.options,
                bool(input.required),
            )
        except UserError as exc:
            return cast(CustomFieldCreateResult, error_member(exc))
        return CustomFieldCreateSuccess(custom_field=CustomFieldType.from_model(row))

    @strawberry.mutation(
        description="Rename, change options, required or position (the type cannot change; removing a "
        "CHOICE option still in use: options IN_USE)."
    )
    async def custom_field_update(self, info: Info, input: CustomFieldUpdateInput) -> CustomFieldUpdateResult:
        try:
            row = await custom_fields.update_field(
                info.context.portal,
                info.context.actor,
                from_global_id(input.custom_field_id, "CustomField"),
                name=input.name,
                options=input.options,
                required=input.required,
                position=input.position,
            )
        except UserError as exc:
            return cast(CustomFieldUpdateResult, error_member(exc))
        return CustomFieldUpdateSuccess(custom_field=CustomFieldType.from_model(row))

    @strawberry.mutation(description="Delete a custom field and its values on every license.")
    async def custom_field_delete(self, info: Info, input: CustomFieldDeleteInput) -> CustomFieldDeleteResult:
        try:
            deleted = await custom_fields.delete_field(
                info.context.portal, info.context.actor, from_global_id(input.custom_field_id, "CustomField")
            )
        except UserError as exc:
            return cast(CustomFieldDeleteResult, error_member(exc))
        return CustomFieldDeleteSuccess(deleted_id=to_global_id("CustomField", deleted))
