"""licenses.search_text: the lower-cased serial numbers (as stored and as displayed), active
activation keys, product SKU and name, and text and choice custom values of a license — the one
column a free-text search reads. Refreshed wherever one of them changes (registration of serials,
keys signed or revoked, custom values set)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

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
        await _refresh_chunk(session, ids[start : start + CHUNK])


async def _refresh_chunk(session: AsyncSession, ids: list[uuid.UUID]) -> None:
    products = {
        license_id: (sku, name)
        for license_id, sku, name in await session.execute(
            select(License.id, Product.sku, Product.name)
            .join(Product, Product.id == License.product_id)
            .where(License.id.in_(ids))
        )
    }
    numbers: dict[uuid.UUID, list[str]] = defaultdict(list)
    for license_id, number in await session.execute(
        select(LicenseSerial.license_id, Serial.number)
        .join(Serial, Serial.id == LicenseSerial.serial_id)
        .where(LicenseSerial.license_id.in_(ids))
        .order_by(LicenseSerial.id)
    ):
        numbers[license_id].append(number)
    keys: dict[uuid.UUID, list[str]] = defaultdict(list)
    for license_id, key in await session.execute(
        select(LicenseKey.license_id, LicenseKey.activation_key)
        .where(LicenseKey.license_id.in_(ids), LicenseKey.status == KeyStatus.ACTIVE)
        .order_by(LicenseKey.issued_at, LicenseKey.id)
    ):
        keys[license_id].append(key)
    texts: dict[uuid.UUID, list[str]] = defaultdict(list)
    for license_id, value in await session.execute(
        select(LicenseCustomValue.license_id, LicenseCustomValue.value_text)
        .join(CustomField, CustomField.id == LicenseCustomValue.field_id)
        .where(LicenseCustomValue.license_id.in_(ids), CustomField.type.in_(TEXT_TYPES))
        .order_by(CustomField.position, CustomField.id)
    ):
        if value:
            texts[license_id].append(value)
    params = [
        {
            "license_id": license_id,
            "text": compose(numbers[license_id], keys[license_id], products[license_id], texts[license_id]),
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
