"""Custom fields an account defines on its licenses, their values, and the mutations' types."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from backend.db import models
from backend.domain.licenses.custom_fields import CustomValueRejectedError
from backend.schema.common import InvalidInput, Node, NotFound, UserError, to_global_id

strawberry.enum(models.CustomFieldType, name="CustomFieldType")


@strawberry.type(name="CustomField")
class CustomFieldType(Node):
    name: str
    type: models.CustomFieldType
    options: list[str] = strawberry.field(description="CHOICE only; empty otherwise.")
    required: bool
    position: int
    field_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, row: models.CustomField) -> CustomFieldType:
        return cls(
            id=to_global_id("CustomField", row.id),
            name=row.name,
            type=row.type,
            options=list(row.options or []) if row.type == models.CustomFieldType.CHOICE else [],
            required=row.required,
            position=row.position,
            field_id=row.id,
        )


@strawberry.type
class CustomValue:
    field: CustomFieldType
    value: str = strawberry.field(
        description='Canonical text: NUMBER normalised ("12.5"), DATE ISO ("2027-03-01").'
    )


@strawberry.type(
    description="A value does not fit its custom field: REQUIRED, NOT_A_NUMBER, NOT_A_DATE, NOT_AN_OPTION, "
    "TOO_LONG. The message names the field; `field` is values.<index>.value."
)
class CustomValueRejected(UserError):
    custom_field: CustomFieldType

    @classmethod
    def from_error(cls, exc: CustomValueRejectedError) -> CustomValueRejected:
        return cls(
            code=exc.code,
            message=exc.message,
            field=exc.field,
            custom_field=CustomFieldType.from_model(exc.custom_field),
        )


@strawberry.input
class CustomFieldCreateInput:
    account_id: strawberry.ID
    name: str
    type: models.CustomFieldType
    options: list[str] | None = None
    required: bool | None = False


@strawberry.input
class CustomFieldUpdateInput:
    custom_field_id: strawberry.ID
    name: str | None = None
    options: list[str] | None = None
    required: bool | None = None
    position: int | None = None


@strawberry.input
class CustomFieldDeleteInput:
    custom_field_id: strawberry.ID


@strawberry.input
class CustomValueInput:
    field_id: strawberry.ID
    value: str | None = strawberry.field(
        default=None, description='null or "" clears (REQUIRED fields cannot be cleared).'
    )


@strawberry.type
class CustomFieldCreateSuccess:
    custom_field: CustomFieldType


@strawberry.type
class CustomFieldUpdateSuccess:
    custom_field: CustomFieldType


@strawberry.type
class CustomFieldDeleteSuccess:
    deleted_id: strawberry.ID


CustomFieldCreateResult = Annotated[
    CustomFieldCreateSuccess | InvalidInput | NotFound, strawberry.union("CustomFieldCreateResult")
]
CustomFieldUpdateResult = Annotated[
    CustomFieldUpdateSuccess | InvalidInput | NotFound, strawberry.union("CustomFieldUpdateResult")
]
CustomFieldDeleteResult = Annotated[
    CustomFieldDeleteSuccess | NotFound, strawberry.union("CustomFieldDeleteResult")
]
