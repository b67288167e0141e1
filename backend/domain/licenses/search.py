"""licenses.search_text: the lower-cased serial numbers (as stored and as displayed), active
activation keys, product SKU and name, and text and choice custom values of a license — the one
column a free-text search reads. Refreshed wherever one of them changes (registration of serials,
keys signed or revoked, custom values set)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    CompoundSelect,
    Select,
    Table,
    Text,
    Uuid,
    bindparam,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy import cast as cast_

from backend.db.driver import DriverTransaction, Prepared, ids_match
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


def parts_statement(matches: Callable[[Any], ColumnElement[bool]]) -> CompoundSelect[Any]:
    """The four parts of the search text of the licenses `matches(license id column)` picks, in one
    read: (license, part, position within the part, text, extra)."""

    def numbered(part: int, order_by: list[Any], *columns: Any) -> Select[Any]:
        position = func.row_number().over(partition_by=columns[0], order_by=order_by)
        return select(
            columns[0].label("license_id"), literal(part).label("part"), position.label("n"), *columns[1:]
        )

    return union_all(
        numbered(0, [License.id], License.id, Product.sku.label("text"), Product.name.label("extra"))
        .join(Product, Product.id == License.product_id)
        .where(matches(License.id)),
        numbered(1, [LicenseSerial.id], LicenseSerial.license_id, Serial.number, null())
        .join(Serial, Serial.id == LicenseSerial.serial_id)
        .where(matches(LicenseSerial.license_id)),
        numbered(
            2,
            [LicenseKey.issued_at, LicenseKey.id],
            LicenseKey.license_id,
            LicenseKey.activation_key,
            null(),
        ).where(matches(LicenseKey.license_id), LicenseKey.status == KeyStatus.ACTIVE),
        numbered(
            3,
            [CustomField.position, CustomField.id],
            LicenseCustomValue.license_id,
            LicenseCustomValue.value_text,
            null(),
        )
        .join(CustomField, CustomField.id == LicenseCustomValue.field_id)
        .where(
            matches(LicenseCustomValue.license_id),
            # Not IN: an expanding list cannot be compiled once for the driver (bench/driver_floor.py).
            or_(*(CustomField.type == kind for kind in TEXT_TYPES)),
        ),
    )


_table = cast(Table, License.__table__)
UPDATE_TEXT = (
    update(_table).where(_table.c.id == bindparam("license_id")).values(search_text=bindparam("text"))
)


def texts_from_parts(rows: Iterable[Sequence[Any]], ids: Iterable[uuid.UUID]) -> list[dict[str, Any]]:
    """UPDATE_TEXT's parameters from parts_statement()'s rows."""
    products: dict[uuid.UUID, tuple[str, str]] = {}
    parts: dict[tuple[uuid.UUID, int], list[tuple[int, str]]] = defaultdict(list)
    for license_id, part, position, text, extra in rows:
        if part == 0:
            products[license_id] = (text, extra)
        elif text:
            parts[(license_id, part)].append((position, text))

    def texts(license_id: uuid.UUID, part: int) -> list[str]:
        return [text for _, text in sorted(parts[(license_id, part)])]

    return [
        {
            "license_id": license_id,
            "text": compose(
                texts(license_id, 1), texts(license_id, 2), products[license_id], texts(license_id, 3)
            ),
        }
        for license_id in ids
        if license_id in products
    ]


@cache
def _parts_of(dialect: str) -> Prepared:
    return Prepared(parts_statement(lambda column: ids_match(column, dialect, "license_ids")))


_UPDATE_TEXT = Prepared(UPDATE_TEXT)
# PostgreSQL: every license's new text in one UPDATE … FROM unnest(ids, texts), not one execution
# per license (SQLite's executemany is one call of its driver already).
_arrays = (
    func.unnest(
        cast_(bindparam("license_ids", type_=ARRAY(Uuid())), ARRAY(Uuid())),
        cast_(bindparam("texts", type_=ARRAY(Text())), ARRAY(Text())),
    )
    .table_valued("license_id", "text")
    .render_derived()
)
_UPDATE_TEXTS_AT_ONCE = Prepared(
    update(_table).where(_table.c.id == _arrays.c.license_id).values(search_text=_arrays.c.text)
)


async def refresh(tx: DriverTransaction, license_ids: Sequence[uuid.UUID]) -> None:
    """Recompute the search text of these licenses from their rows as written in the caller's
    transaction: per chunk of licenses, one read and one batched update."""
    ids = list(dict.fromkeys(license_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = await tx.all(_parts_of(tx.dialect), {"license_ids": chunk})
        params = texts_from_parts([tuple(row.values()) for row in rows], chunk)
        if not params:
            continue
        if tx.dialect == "postgresql":
            await tx.one(
                _UPDATE_TEXTS_AT_ONCE,
                {"license_ids": [p["license_id"] for p in params], "texts": [p["text"] for p in params]},
            )
        else:
            await tx.many(_UPDATE_TEXT, params)
