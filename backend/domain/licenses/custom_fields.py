"""Custom fields: an account's admins define them (name, type, options, required); members set
values on licenses, validated by type, on one or many licenses in one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.driver import as_driver_transaction
from backend.db.engine import Database
from backend.db.models import CustomField, CustomFieldType, License, LicenseCustomValue, utcnow
from backend.domain import audit
from backend.domain.access import Actor, LicenseAccess, Permission, require, require_licenses
from backend.domain.errors import FieldProblem, InvalidInputError, NotFoundError, UserError
from backend.domain.licenses import search as license_search
from backend.domain.licenses.finding import number_text, parse_date, parse_number

NAME_LIMIT = 80
OPTION_LIMIT = 200
MAX_OPTIONS = 100
TEXT_LIMIT = 500
MAX_LICENSES = 500
MAX_FIELDS = 50


class CustomValueRejectedError(UserError):
    """A value does not fit its field: REQUIRED, NOT_A_NUMBER, NOT_A_DATE, NOT_AN_OPTION, TOO_LONG."""

    def __init__(self, code: str, message: str, field: str, custom_field: CustomField) -> None:
        super().__init__(message, field)
        self.code = code
        # A copy: the transaction rolls back and expires the loaded row.
        self.custom_field = CustomField(
            id=custom_field.id,
            account_id=custom_field.account_id,
            name=custom_field.name,
            type=custom_field.type,
            options=list(custom_field.options or []),
            required=custom_field.required,
            position=custom_field.position,
        )


@dataclass(frozen=True)
class Parsed:
    """One value as stored: canonical text in value_text and the typed column for sorting."""

    text: str
    number: float | None = None
    day: date | None = None


def parse_value(custom_field: CustomField, raw: str, path: str) -> Parsed:
    name = custom_field.name
    value = raw.strip()
    if custom_field.type == CustomFieldType.TEXT:
        if len(value) > TEXT_LIMIT:
            raise CustomValueRejectedError(
                "TOO_LONG", f"{name} must be at most {TEXT_LIMIT} characters", path, custom_field
            )
        return Parsed(value)
    if custom_field.type == CustomFieldType.NUMBER:
        number: Decimal | None = parse_number(value)
        if number is None:
            raise CustomValueRejectedError("NOT_A_NUMBER", f"{name} must be a number", path, custom_field)
        return Parsed(number_text(number), number=float(number))
    if custom_field.type == CustomFieldType.DATE:
        day = parse_date(value)
        if day is None:
            raise CustomValueRejectedError(
                "NOT_A_DATE", f"{name} must be a date (YYYY-MM-DD)", path, custom_field
            )
        return Parsed(day.isoformat(), day=day)
    if value not in custom_field.options:
        raise CustomValueRejectedError(
            "NOT_AN_OPTION", f"{name} must be one of: {', '.join(custom_field.options)}", path, custom_field
        )
    return Parsed(value)


async def fields_of(session: AsyncSession, account_id: uuid.UUID) -> list[CustomField]:
    rows = await session.scalars(
        select(CustomField)
        .where(CustomField.account_id == account_id)
        .order_by(CustomField.position, CustomField.created_at, CustomField.id)
    )
    return list(rows)


def _clean_name(name: str, problems: list[FieldProblem]) -> str:
    value = " ".join(name.split())
    if not value:
        problems.append(FieldProblem("name", "REQUIRED", "Give the field a name."))
    elif len(value) > NAME_LIMIT:
        problems.append(FieldProblem("name", "TOO_LONG", f"At most {NAME_LIMIT} characters."))
    return value


def _clean_options(
    options: list[str] | None, field_type: CustomFieldType, problems: list[FieldProblem]
) -> list[str]:
    if field_type != CustomFieldType.CHOICE:
        return []
    cleaned = [" ".join(o.split()) for o in options or []]
    cleaned = [o for o in cleaned if o]
    if not cleaned:
        problems.append(FieldProblem("options", "REQUIRED", "A choice field needs at least one option."))
    elif len(set(cleaned)) != len(cleaned):
        problems.append(FieldProblem("options", "DUPLICATE", "Each option may appear only once."))
    elif len(cleaned) > MAX_OPTIONS or any(len(o) > OPTION_LIMIT for o in cleaned):
        problems.append(
            FieldProblem(
                "options", "TOO_LONG", f"At most {MAX_OPTIONS} options of {OPTION_LIMIT} characters."
            )
        )
    return cleaned


async def _name_taken(
    session: AsyncSession, account_id: uuid.UUID, name: str, except_id: uuid.UUID | None = None
) -> bool:
    stmt = select(CustomField.id).where(
        CustomField.account_id == account_id, func.lower(CustomField.name) == name.lower()
    )
    if except_id is not None:
        stmt = stmt.where(CustomField.id != except_id)
    return await session.scalar(stmt.limit(1)) is not None


async def create(
    db: Database,
    actor: Actor,
    account_id: uuid.UUID | None,
    name: str,
    field_type: CustomFieldType,
    options: list[str] | None,
    required: bool,
) -> CustomField:
    async with db.write() as session:
        tx = as_driver_transaction(session)
        if account_id is None:
            raise NotFoundError("accountId", "account")
        await require(tx, actor, account_id, Permission.ADMINISTER, field="accountId", what="account")
        problems: list[FieldProblem] = []
        clean = _clean_name(name, problems)
        cleaned_options = _clean_options(options, field_type, problems)
        if not problems and await _name_taken(session, account_id, clean):
            problems.append(FieldProblem("name", "DUPLICATE", f"There is a field called {clean} already."))
        existing = await fields_of(session, account_id)
        if len(existing) >= MAX_FIELDS:
            problems.append(FieldProblem("name", "TOO_MANY", f"At most {MAX_FIELDS} custom fields."))
        if problems:
            raise InvalidInputError(problems)
        row = CustomField(
            id=uuid.uuid4(),
            account_id=account_id,
            name=clean,
            type=field_type,
            options=cleaned_options,
            required=required,
            position=max((f.position for f in existing), default=-1) + 1,
        )
        session.add(row)
        await audit.record(
            tx,
            "custom_field.create",
            actor=actor,
            account_id=account_id,
            target=("CustomField", row.id),
            name=clean,
            type=field_type.value,
            options=cleaned_options,
            required=required,
        )
        return row


async def _admin_field(session: AsyncSession, actor: Actor, field_id: uuid.UUID | None) -> CustomField:
    row = None
    if field_id is not None:
        row = await session.scalar(select(CustomField).where(CustomField.id == field_id).with_for_update())
    if row is None:
        raise NotFoundError("customFieldId", "custom field")
    await require(
        as_driver_transaction(session),
        actor,
        row.account_id,
        Permission.ADMINISTER,
        field="customFieldId",
        what="custom field",
    )
    return row


async def update_field(
    db: Database,
    actor: Actor,
    field_id: uuid.UUID | None,
    *,
    name: str | None = None,
    options: list[str] | None = None,
    required: bool | None = None,
    position: int | None = None,
) -> CustomField:
    async with db.write() as session:
        row = await _admin_field(session, actor, field_id)
        problems: list[FieldProblem] = []
        changes: dict[str, Any] = {}
        new_options: list[str] | None = None
        if name is not None:
            clean = _clean_name(name, problems)
            if not problems and await _name_taken(session, row.account_id, clean, row.id):
                problems.append(
                    FieldProblem("name", "DUPLICATE", f"There is a field called {clean} already.")
                )
            changes["name"] = clean
        if options is not None and row.type == CustomFieldType.CHOICE:
            cleaned = _clean_options(options, row.type, problems)
            removed = set(row.options) - set(cleaned)
            if removed and not problems:
                in_use = await session.scalar(
                    select(LicenseCustomValue.value_text)
                    .where(LicenseCustomValue.field_id == row.id, LicenseCustomValue.value_text.in_(removed))
                    .limit(1)
                )
                if in_use is not None:
                    problems.append(
                        FieldProblem(
                            "options",
                            "IN_USE",
                            f"The option {in_use} is still set on licenses: change those first.",
                        )
                    )
            changes["options"] = new_options = cleaned
        if problems:
            raise InvalidInputError(problems)
        if required is not None:
            changes["required"] = required
        if "name" in changes:
            row.name = str(changes["name"])
        if new_options is not None:
            row.options = new_options
        if required is not None:
            row.required = required
        if position is not None:
            await _move(session, row, position)
            changes["position"] = row.position
        await audit.record(
            as_driver_transaction(session),
            "custom_field.update",
            actor=actor,
            account_id=row.account_id,
            target=("CustomField", row.id),
            **changes,
        )
        return row


async def _move(session: AsyncSession, row: CustomField, position: int) -> None:
    """Put the field at `position` (0-based) and renumber the others 0..n-1."""
    fields = [f for f in await fields_of(session, row.account_id) if f.id != row.id]
    target = max(0, min(position, len(fields)))
    fields.insert(target, row)
    for index, f in enumerate(fields):
        f.position = index


async def delete_field(db: Database, actor: Actor, field_id: uuid.UUID | None) -> uuid.UUID:
    async with db.write() as session:
        tx = as_driver_transaction(session)
        row = await _admin_field(session, actor, field_id)
        affected = list(
            await session.scalars(
                select(LicenseCustomValue.license_id).where(LicenseCustomValue.field_id == row.id)
            )
        )
        await session.execute(delete(LicenseCustomValue).where(LicenseCustomValue.field_id == row.id))
        await session.delete(row)
        if row.type in license_search.TEXT_TYPES:
            await license_search.refresh(tx, affected)
        await audit.record(
            tx,
            "custom_field.delete",
            actor=actor,
            account_id=row.account_id,
            target=("CustomField", row.id),
            name=row.name,
            licenses=len(affected),
        )
        return row.id


@dataclass(frozen=True)
class ValueInput:
    field_id: uuid.UUID | None
    value: str | None


async def set_values(
    db: Database, actor: Actor, license_ids: list[uuid.UUID | None], values: list[ValueInput]
) -> list[License]:
    """Set (or clear, with null or "") values on every license, all or nothing."""
    if not license_ids:
        raise InvalidInputError([FieldProblem("licenseIds", "REQUIRED", "Select at least one license.")])
    if len(license_ids) > MAX_LICENSES:
        raise InvalidInputError(
            [FieldProblem("licenseIds", "TOO_MANY", f"At most {MAX_LICENSES} licenses at once.")]
        )
    if not values:
        raise InvalidInputError([FieldProblem("values", "REQUIRED", "Give at least one value.")])
    async with db.write() as session:
        tx = as_driver_transaction(session)
        licenses = await require_licenses(
            session, actor, license_ids, LicenseAccess.MANAGE, field="licenseIds", for_update=True
        )
        accounts = {row.account_id for row in licenses}
        ids = [row.id for row in licenses]
        wanted = {v.field_id for v in values if v.field_id is not None}
        fields = {
            row.id: row
            for row in await session.scalars(select(CustomField).where(CustomField.id.in_(wanted)))
        }
        changes: list[tuple[CustomField, Parsed | None]] = []
        for index, item in enumerate(values):
            custom_field = fields.get(item.field_id) if item.field_id else None
            if custom_field is None or accounts != {custom_field.account_id}:
                raise NotFoundError(f"values.{index}.fieldId", "custom field")
            path = f"values.{index}.value"
            if item.value is None or not item.value.strip():
                if custom_field.required:
                    raise CustomValueRejectedError(
                        "REQUIRED", f"{custom_field.name} is required", path, custom_field
                    )
                changes.append((custom_field, None))
            else:
                changes.append((custom_field, parse_value(custom_field, item.value, path)))
        now = utcnow()
        touched_text = False
        for custom_field, parsed in dict((f.id, (f, p)) for f, p in changes).values():
            touched_text = touched_text or custom_field.type in license_search.TEXT_TYPES
            await session.execute(
                delete(LicenseCustomValue).where(
                    LicenseCustomValue.field_id == custom_field.id, LicenseCustomValue.license_id.in_(ids)
                )
            )
            if parsed is not None:
                await session.execute(
                    insert(LicenseCustomValue),
                    [
                        {
                            "license_id": license_id,
                            "field_id": custom_field.id,
                            "value_text": parsed.text,
                            "value_number": parsed.number,
                            "value_date": parsed.day,
                            "updated_at": now,
                        }
                        for license_id in ids
                    ],
                )
        if touched_text:
            await license_search.refresh(tx, ids)
        summary = {f.name: (p.text if p else None) for f, p in changes}
        for row in licenses:
            await audit.record(
                tx,
                "license.custom_values",
                actor=actor,
                account_id=row.account_id,
                target=("License", row.id),
                values=summary,
            )
        return licenses
