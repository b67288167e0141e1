"""licenses.search_text: the lower-cased serial numbers (as stored and as displayed), active
activation keys, product SKU and name, and text and choice custom values of a license — the one
column a free-text search reads. Refreshed wherever one of them changes (registration of serials,
keys signed or revoked, custom values set)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, literal, null, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backend.db.models import (
    CustomField,
    CustomFieldType,
    KeyStatus,
    License,
    LicenseCustomValue,
    LicenseKey,
    LicenseSerial,
    Product,
    Serial,
)
from backend.domain.serials import display

TEXT_TYPES = (CustomFieldType.TEXT, CustomFieldType.CHOICE)
CHUNK = 500


def compose(
    serial_numbers: Iterable[str],
    activation_keys: Iterable[str],
    product: tuple[str, str] | None,
    texts: Iterable[str],
) -> str:
    """The search text of one license from its parts (the demo seeder and the migration backfill
    use it too, so every writer produces the same text)."""
    parts: list[str] = []
    for number in serial_numbers:
        parts += [number, display(number)]
    parts += list(activation_keys)
    if product is not None:
        parts += [product[0], product[1]]
    parts += [t for t in texts if t]
    return " ".join(p.strip().lower() for p in parts if p and p.strip())


async def refresh(session: AsyncSession, license_ids: Sequence[uuid.UUID]) -> None:
    """Recompute search_text of the licenses (in the caller's transaction; flushes first)."""
    ids = list(dict.fromkeys(license_ids))
    if not ids:
        return
    await session.flush()
    for start in range(0, len(ids), CHUNK):
        await recompute(session, ids[start : start + CHUNK])


async def recompute(session: AsyncSession | AsyncConnection, ids: list[uuid.UUID]) -> None:
    """refresh() for up to CHUNK licenses whose rows are written (no flush): one read, one update."""

    # All four parts in one round trip: (license, part, position within the part, text).
    def numbered(part: int, order_by: list[Any], *columns: Any) -> Select[Any]:
        position = func.row_number().over(partition_by=columns[0], order_by=order_by)
        return select(
            columns[0].label("license_id"), literal(part).label("part"), position.label("n"), *columns[1:]
        )

    rows = await session.execute(
        union_all(
            numbered(0, [License.id], License.id, Product.sku.label("text"), Product.name.label("extra"))
            .join(Product, Product.id == License.product_id)
            .where(License.id.in_(ids)),
            numbered(1, [LicenseSerial.id], LicenseSerial.license_id, Serial.number, null())
            .join(Serial, Serial.id == LicenseSerial.serial_id)
            .where(LicenseSerial.license_id.in_(ids)),
            numbered(
                2,
                [LicenseKey.issued_at, LicenseKey.id],
                LicenseKey.license_id,
                LicenseKey.activation_key,
                null(),
            ).where(LicenseKey.license_id.in_(ids), LicenseKey.status == KeyStatus.ACTIVE),
            numbered(
                3,
                [CustomField.position, CustomField.id],
                LicenseCustomValue.license_id,
                LicenseCustomValue.value_text,
                null(),
            )
            .join(CustomField, CustomField.id == LicenseCustomValue.field_id)
            .where(LicenseCustomValue.license_id.in_(ids), CustomField.type.in_(TEXT_TYPES)),
        )
    )
    products: dict[uuid.UUID, tuple[str, str]] = {}
    parts: dict[tuple[uuid.UUID, int], list[tuple[int, str]]] = defaultdict(list)
    for license_id, part, position, text, extra in rows:
        if part == 0:
            products[license_id] = (text, extra)
        elif text:
            parts[(license_id, part)].append((position, text))

    def texts(license_id: uuid.UUID, part: int) -> list[str]:
        return [text for _, text in sorted(parts[(license_id, part)])]

    numbers = {license_id: texts(license_id, 1) for license_id in products}
    keys = {license_id: texts(license_id, 2) for license_id in products}
    custom = {license_id: texts(license_id, 3) for license_id in products}
    params = [
        {
            "license_id": license_id,
            "text": compose(numbers[license_id], keys[license_id], products[license_id], custom[license_id]),
        }
        for license_id in ids
        if license_id in products
    ]
    if params:
        table = cast(Table, License.__table__)
        await session.execute(
            update(table).where(table.c.id == bindparam("license_id")).values(search_text=bindparam("text")),
            params,
        )
